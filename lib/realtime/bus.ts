/** Chooses the event bus for an instance: Redis Streams with `REDIS_URL`, in-process without. */
import type { RedisHandle } from "../redis/client.ts";
import type { BusDeps } from "./local.ts";
import { createMemoryBus } from "./memory_bus.ts";
import { createRedisBus } from "./redis_bus.ts";
import type { EventBus } from "./types.ts";

/**
 * Creates the bus; with `redis` it loads recent history and starts the stream reader.
 * `deploymentId` (the database's, lib/realtime/deployment.ts) tells this deployment's stream
 * entries from another's, and `rereadDeploymentId` lets the bus notice that the database's id
 * changed while it runs (restore-prepare); the in-process bus has no use for either.
 */
export async function createEventBus(
  deps: BusDeps & {
    redis: RedisHandle | undefined;
    streamKey: string;
    deploymentId?: string;
    rereadDeploymentId?: () => Promise<string | undefined>;
  },
): Promise<EventBus> {
  const { redis, streamKey, deploymentId, rereadDeploymentId, ...rest } = deps;
  if (!redis) return createMemoryBus(rest);
  return await createRedisBus({
    ...rest,
    redis,
    streamKey,
    ...(deploymentId !== undefined ? { deploymentId } : {}),
    ...(rereadDeploymentId !== undefined ? { rereadDeploymentId } : {}),
  });
}
