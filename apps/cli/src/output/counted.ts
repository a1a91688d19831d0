/** `1 order`, `2 orders`, `0 orders`: a count with its noun, singular for one. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
