/**
 * The fixed sentences of /experiments: confirmations chosen by key (so no user input is
 * reflected) and what a conflicting change says.
 */

/** Fixed confirmations chosen by key (`?notice=`), so no input is reflected. */
export const NOTICES: Record<string, string> = {
  saved:
    "The experiment was saved. People already in a variant keep it, unless its weight is now 0: they are re-drawn by the new weights on their next visit. Users of other services (through OFREP) follow the new weights.",
  created: "The experiment was created.",
  unchanged: "Nothing was changed: the experiment already had these settings.",
};

/** A save refused because the experiment (or its key) changed since the page was loaded. */
export const CONFLICT =
  "Someone changed this experiment (or a flag or experiment uses this key) since you loaded the page. Reload and apply your change again.";
