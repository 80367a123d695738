/** `work`'s value, or 'late' when it has not settled within `ms` (the work itself goes on). */
export async function settledWithin<T>(work: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>(
    (resolve) =>
      (timer = setTimeout(
        () => {
          resolve('late');
        },
        Math.max(0, ms),
      )),
  );
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
