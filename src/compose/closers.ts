// What the composition opened, closed in reverse order at shutdown (or when building fails).
export type Closer = () => Promise<unknown> | void;
