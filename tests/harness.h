/*
 * A tiny test harness: pass/fail/skip counters, CHECK() with file:line on failure,
 * and harness_finish() printing the closing line every test binary ends with:
 *   N passed, N failed, N skipped
 * Failures are all counted but only the first HARNESS_MAX_PRINTED are printed, so a
 * systematic bug does not bury the summary under a million lines.
 * Not thread-safe: worker threads collect their results and the main thread reports them.
 */
#ifndef ACTLAB_TESTS_HARNESS_H
#define ACTLAB_TESTS_HARNESS_H

#include <stddef.h>

#define HARNESS_MAX_PRINTED 20

extern unsigned long long harness_passed, harness_failed, harness_skipped;

/* Count ok as a pass or a failure; on failure print file:line and the message. Returns ok. */
int harness_check(int ok, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Count n skipped checks; the reason is printed for the first few calls only. */
void harness_skip(unsigned long long n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "N passed, N failed, N skipped" and return the exit code: non-zero iff a check failed. */
int harness_finish(void);

/* The whole file at path, NUL-terminated (malloc'd; *len its size if len is not NULL), or NULL. */
char *harness_slurp(const char *path, size_t *len);

/* 1 if both files exist and have the same bytes. */
int harness_same_file(const char *a, const char *b);

/* cond is evaluated once; the rest is a printf format and its arguments. Evaluates to cond's truth. */
#define CHECK(cond, ...) harness_check((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

#endif
