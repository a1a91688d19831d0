// The receiver's own masks (the inspector's), from its light export: nothing else of the receiver loads.
import {
  maskDecodeMessage,
  maskDecodeValue,
  maskEmail,
  maskHandlerError,
  maskName,
  maskSubjectText,
} from '@srhooks/receiver/personal-data-mask';
import type {
  DeadLetterJson,
  DeliveryDetailJson,
  DeliverySummaryJson,
  EventDetailJson,
  EventSummaryJson,
  JobJson,
} from './admin-types.js';

/**
 * The one place the CLI masks personal data. The admin API answers whole (it is the unmasked view);
 * every command that prints its answers masks them here, human output and `--json` alike, until
 * `--reveal`: customer names as initials, a decode error's quoted sender values as `[hidden]` and the
 * value it failed on hidden whole,
 * handler error texts (a forward target's answer body) and events' verification details hidden whole,
 * and a delivery's raw body and events' payloads left out. A command calls {@link shown} once on
 * what it prints, so nothing is masked twice or in two ways.
 */

/** How a view shows a decode failure's value revealed, and what it says of one quarantined before it was recorded. */
export { DECODE_DETAIL_NOT_RECORDED, decodeValueText } from '@srhooks/receiver/personal-data-mask';

/** How a masked value says it can be shown. */
const REVEAL = 'pass --reveal';

/**
 * What a command prints of an admin API answer: the answer as it is when `--reveal` was given,
 * else `mask` of it. `revealed` goes into the command's result (and its `--json`).
 */
export function shown<Answer, View>(
  reveal: boolean | undefined,
  answer: Answer,
  mask: (answer: Answer) => View,
): { revealed: boolean; value: Answer | View } {
  return reveal === true ? { revealed: true, value: answer } : { revealed: false, value: mask(answer) };
}

/** The line under a masked view saying what `--reveal` adds. */
export function maskedNote(what: string): string {
  return `personal data masked; --reveal shows ${what}`;
}

// --- the parts -------------------------------------------------------------------------------

/** A decode failure's detail: part and path as they are, the value found (from the body) hidden whole. */
type DecodeDetailJson = { part?: string; path?: string; value?: unknown } | null;

function maskDecodeError<
  T extends { decodeError: { code: string; message: string; detail: DecodeDetailJson } | null },
>(value: T): T {
  if (!value.decodeError) return value;
  const { detail } = value.decodeError;
  return {
    ...value,
    decodeError: {
      ...value.decodeError,
      message: maskDecodeMessage(value.decodeError.message),
      detail:
        detail === null || !('value' in detail)
          ? detail
          : { ...detail, value: maskDecodeValue(detail.value, REVEAL) },
    },
  };
}

/**
 * A subject id that does not look like an id (a name and a phone number sent as one) hidden whole, and
 * where the event's dedupe key repeats it (`subscriber:<id>:<event>:…`) there too.
 */
function maskSubject<T extends { subjectId: string | null; dedupeKey?: string }>(event: T): T {
  if (!event.subjectId) return event;
  const subjectId = maskSubjectText(event.subjectId);
  if (subjectId === event.subjectId) return event;
  const raw = event.subjectId;
  return {
    ...event,
    subjectId,
    ...(typeof event.dedupeKey === 'string' ? { dedupeKey: event.dedupeKey.replaceAll(raw, subjectId) } : {}),
  };
}

/** An event's customer name as initials, its subject id hidden unless it looks like an id. */
function maskCustomer<T extends { customerName: string | null; subjectId: string | null }>(event: T): T {
  return maskSubject(event.customerName ? { ...event, customerName: maskName(event.customerName) } : event);
}

function maskErrorText(
  text: string | null,
  howToReveal = REVEAL,
  what?: string,
  summary: string | null = null,
): string | null {
  return text === null ? null : maskHandlerError(text, howToReveal, what, summary);
}

/**
 * An event's verification detail repeats what the delivery sent (`innerId delivered <as sent>, …`), as
 * the held attempt's error quoting it does: hidden whole like that error (`detail hidden (…)`).
 */
function maskVerificationDetail<T extends { verificationDetail: string | null }>(event: T): T {
  return event.verificationDetail === null
    ? event
    : { ...event, verificationDetail: maskErrorText(event.verificationDetail, REVEAL, 'detail') };
}

/**
 * A job's last error is its last attempt's: the target's answer body, or a module handler's message;
 * hidden after the receiver's own summary of it when there is one.
 */
function maskJobError<T extends Pick<JobJson, 'lastError' | 'lastErrorSummary'>>(job: T): T {
  return job.lastError === null
    ? job
    : { ...job, lastError: maskErrorText(job.lastError, REVEAL, undefined, job.lastErrorSummary) };
}

// --- what the commands print -----------------------------------------------------------------

/** An event's payload is left out of a masked view. */
export type EventView = Omit<EventDetailJson, 'payload'> & { payload?: unknown };

/** A delivery's events as `deliveries show` prints them; `payload` only when revealed. */
type DeliveryEventView = Omit<DeliveryDetailJson['events'][number], 'payload'> & { payload?: unknown };

/** `GET /deliveries/:id` as `deliveries show` prints it: unmasked, or masked with `rawBody: {bytes}`. */
export type DeliveryView = Omit<DeliveryDetailJson, 'rawBody' | 'events'> & {
  rawBody: Partial<DeliveryDetailJson['rawBody']> & Pick<DeliveryDetailJson['rawBody'], 'bytes'>;
  events: DeliveryEventView[];
};

/** `events list`: the customer name as initials. */
export function maskEventSummary(event: EventSummaryJson): EventSummaryJson {
  return maskCustomer(event);
}

/** `events show`: the customer name as initials, every attempt's error and the verification detail hidden, no payload. */
export function maskEventDetail({ payload: _payload, ...event }: EventDetailJson): EventView {
  return maskVerificationDetail(
    maskCustomer({
      ...event,
      jobs: event.jobs.map((job) => ({
        ...maskJobError(job),
        attemptLog: job.attemptLog.map((attempt) =>
          attempt.error === null
            ? attempt
            : { ...attempt, error: maskErrorText(attempt.error, REVEAL, undefined, attempt.errorSummary) },
        ),
      })),
    }),
  );
}

/** `dead-letters list`: the job's last error hidden, its event's customer name as initials. */
export function maskDeadLetter(deadLetter: DeadLetterJson): DeadLetterJson {
  return { job: maskJobError(deadLetter.job), event: maskCustomer(deadLetter.event) };
}

/** `events replay|release`, `dead-letters retry`: the queued jobs' last errors hidden. */
export function maskJobs(jobs: JobJson[]): JobJson[] {
  return jobs.map(maskJobError);
}

export function maskDeliverySummary(delivery: DeliverySummaryJson): DeliverySummaryJson {
  return maskDecodeError({ ...delivery, events: delivery.events.map(maskCustomer) });
}

export function maskDeliveryDetail(delivery: DeliveryDetailJson): DeliveryView {
  return maskDecodeError({
    ...delivery,
    rawBody: { bytes: delivery.rawBody.bytes },
    events: delivery.events.map(({ payload: _payload, ...event }) =>
      maskVerificationDetail(maskCustomer(event)),
    ),
  });
}

/**
 * `deliveries reprocess`'s refusal quotes the decode error: its sender values `[hidden]`, always (an
 * error, not a view; its hint names `deliveries show ID --reveal`, which shows the delivery whole).
 */
export function maskDecodeErrorMessage(message: string): string {
  return maskDecodeMessage(message);
}

/**
 * The live lines of `listen` (and of the demo once its table is printed): a quarantined delivery's
 * decode error (`code: message`) with its sender values `[hidden]`, as `deliveries show` hides them, and
 * a subject id that does not look like an id hidden whole.
 */
export function maskFeedDelivery<T extends { error?: string; events: { subjectId: string | null }[] }>(
  line: T,
): T {
  const events = { ...line, events: line.events.map(maskSubject) };
  return line.error === undefined ? events : { ...events, error: maskDecodeMessage(line.error) };
}

/**
 * A live handler-outcome line: its error text (the target's answer body, a module handler's message)
 * hidden whole; `howToReveal` is what the hidden text says shows it (`pass --reveal` by default).
 */
export function maskFeedOutcome<T extends { error: string | null; errorSummary?: string | null }>(
  line: T,
  howToReveal = REVEAL,
): T {
  return line.error === null
    ? line
    : { ...line, error: maskErrorText(line.error, howToReveal, undefined, line.errorSummary ?? null) };
}

/**
 * A handler's error text where a command has no `--reveal` (the demo): hidden whole, saying
 * `howToReveal` shows it.
 */
export function maskHandlerErrorText(
  text: string,
  howToReveal: string,
  summary: string | null = null,
): string {
  return maskHandlerError(text, howToReveal, undefined, summary);
}

/** The demo's table: its customers as initials, or a subscriber's e-mail address as `t***@example.com`. */
export function maskCustomerContact(name: string | null, email: string | null): string | null {
  if (name) return maskName(name);
  return email ? maskEmail(email) : null;
}
