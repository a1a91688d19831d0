/** Where `srhooks listen` runs unless told otherwise (also the admin commands' default receiver). */
export const DEFAULT_LISTEN_PORT = 4750;
