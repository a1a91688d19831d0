/**
 * The error a job gets when its shop uninstalled the app before the job ran (the store cancels it as a
 * dead letter). The receiver's own text, with no data from outside: views show it unmasked
 * (personal-data/personal-data-mask.ts). Its own module, so the light mask export loads nothing else.
 */
export const CANCELLED_BY_UNINSTALL = 'cancelled: the app was uninstalled from this shop';
