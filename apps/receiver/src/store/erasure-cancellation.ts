/**
 * The summary a job gets when an erasure of its event's personal data cancelled it (`includeUnfinished`:
 * the store makes it `dead` without an attempt). The receiver's own text, shown unmasked. Its own module,
 * so the light export `@srhooks/receiver/admin-values` gives it without loading the store: readers of a
 * job as it is now (the CLI's `events tail` catching up) tell such a job from one an attempt dead-lettered.
 */
export const CANCELLED_BY_ERASURE =
  "Cancelled: the event's personal data was erased on request, so its handler must not send it";
