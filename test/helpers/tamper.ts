/** The value with its last character replaced by a different one (never the same value). */
export function changeLastCharacter(value: string): string {
  return `${value.slice(0, -1)}${value.endsWith('0') ? '1' : '0'}`;
}
