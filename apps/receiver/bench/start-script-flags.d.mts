/** The node flags of the receiver's `start` script (package.json). */
export function startScriptNodeFlags(): string[];
