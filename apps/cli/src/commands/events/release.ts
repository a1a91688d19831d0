import { AdminAnswerError, type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { queuedJobs } from '../../admin-api/admin-format.js';
import { checkEventId } from '../../admin-api/admin-input.js';
import type { JobJson } from '../../admin-api/admin-types.js';
import { maskJobs, shown } from '../../admin-api/personal-data.js';
import { usageError } from '../../cli-error.js';
import { defineCommand } from '../../command.js';

export interface ReleaseEventOptions extends AdminTargetOptions {
  id: string;
  /** The jobs' last errors unmasked (in `--json`). */
  reveal?: boolean;
}

export interface ReleaseEventResult {
  receiver: string;
  /** False: the jobs' last errors (a target's answer) are hidden (`--reveal` shows them). */
  revealed: boolean;
  eventId: string;
  jobs: JobJson[];
}

/**
 * Lets a held event's handler jobs run (`POST /admin/api/events/:id/release`). An event is held when
 * the receiver's `verify` step fetched its order back from the shop and found it different (or
 * missing): its jobs wait until an operator releases (or replays) it.
 */
export const releaseEventCommand = defineCommand<ReleaseEventOptions, ReleaseEventResult>({
  async run(options, context) {
    const id = checkEventId(options.id);
    const api = await openAdminApi(options, context.env);
    try {
      const answer = await api.post<{ eventId: string; jobs: JobJson[] }>(
        `/events/${encodeURIComponent(id)}/release`,
      );
      const { revealed, value: jobs } = shown(options.reveal, answer.jobs, maskJobs);
      return { receiver: api.receiverUrl, revealed, eventId: answer.eventId, jobs };
    } catch (error) {
      if (error instanceof AdminAnswerError && error.code === 'not_held') {
        throw usageError(
          error.message,
          `only an event whose verification mismatched is held; srhooks events replay ${id} runs its handlers again`,
          error.code,
        );
      }
      throw error;
    }
  },

  render(result, style) {
    if (result.jobs.length === 0)
      return `${style.green('✔')} ${result.eventId} released: it has no handler jobs`;
    return `${style.green('✔')} ${result.eventId} released: ${queuedJobs(result.jobs)}`;
  },
});
