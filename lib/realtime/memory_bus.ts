/**
 * The in-process event bus (no `REDIS_URL`): stamps each event with a
 * monotonic `<ms>-<seq>` id, keeps a bounded history for replay and delivers
 * to local subscribers synchronously. It serves one instance, so its internal
 * channel has no one to send to: a message is checked and goes nowhere, and
 * nothing can be missed (it is always listening, never reports a gap).
 */
import { EventHistory } from "./history.ts";
import { createIdGenerator } from "./ids.ts";
import {
  type BusDeps,
  checkInternalMessage,
  checkNewEvent,
  InternalSubscribers,
  stamp,
  Subscribers,
} from "./local.ts";
import type { AppEvent, EventBus } from "./types.ts";

/** The in-process bus, with its subscriber count for tests and metrics. */
export interface MemoryBus extends EventBus {
  subscriberCount(): number;
}

/** Creates an in-process bus. */
export function createMemoryBus(deps: BusDeps): MemoryBus {
  const ids = createIdGenerator(deps.clock);
  const history = new EventHistory(deps.historySize, `${Math.floor(deps.clock.now())}-0`);
  const subscribers = new Subscribers(deps.logger, deps.onHandlerError);
  const internalSubscribers = new InternalSubscribers(deps.logger, deps.onHandlerError);
  let closed = false;
  return {
    publish(event) {
      try {
        if (closed) throw new Error("The event bus is closed");
        checkNewEvent(event, deps);
      } catch (error) {
        return Promise.reject(error);
      }
      const stamped: AppEvent = stamp(event, ids.next(), new Date(deps.clock.now()).toISOString());
      history.push(stamped);
      deps.metrics?.busEvents.inc({ topic: stamped.topic });
      subscribers.deliver(stamped);
      return Promise.resolve(stamped);
    },
    // Delivery is in id order here, so `onResync` is never called.
    subscribe: (topic, handler, options) => subscribers.add(topic, handler, options),
    replay: (afterId, topic) => Promise.resolve(history.after(afterId, topic)),
    lastId: () => history.newestId(),
    subscriberCount: () => subscribers.count,
    internal: {
      publish(message) {
        try {
          if (closed) throw new Error("The event bus is closed");
          checkInternalMessage(message, deps);
        } catch (error) {
          return Promise.reject(error);
        }
        return Promise.resolve();
      },
      subscribe: (handler, onGap) => internalSubscribers.add(handler, onGap),
      listening: () => true,
    },
    close() {
      closed = true;
      subscribers.clear();
      internalSubscribers.clear();
      return Promise.resolve();
    },
  };
}
