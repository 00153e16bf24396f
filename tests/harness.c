/* The harness counters and reporting (see harness.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define HARNESS_MAX_SKIP_NOTES 10

unsigned long long harness_passed, harness_failed, harness_skipped;
static unsigned skip_notes;

int harness_check(int ok, const char *file, int line, const char *fmt, ...)
{
    if (ok) {
        harness_passed++;
        return 1;
    }
    if (++harness_failed <= HARNESS_MAX_PRINTED) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stdout, "FAIL %s:%d: ", file, line);
        vfprintf(stdout, fmt, ap);
        fputc('\n', stdout);
        va_end(ap);
        if (harness_failed == HARNESS_MAX_PRINTED)
            fprintf(stdout, "(further failures are counted but not printed)\n");
    }
    return 0;
}

void harness_skip(unsigned long long n, const char *fmt, ...)
{
    harness_skipped += n;
    if (++skip_notes <= HARNESS_MAX_SKIP_NOTES) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stdout, "skip: ");
        vfprintf(stdout, fmt, ap);
        fputc('\n', stdout);
        va_end(ap);
    }
}

int harness_finish(void)
{
    printf("%llu passed, %llu failed, %llu skipped\n", harness_passed, harness_failed, harness_skipped);
    fflush(stdout);
    return harness_failed > 0 ? 1 : 0;
}

char *harness_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    char *buf = n >= 0 && fseek(f, 0, SEEK_SET) == 0 ? malloc((size_t)n + 1) : NULL;
    size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
    fclose(f);
    if (buf)
        buf[got] = 0;
    if (len)
        *len = got;
    return buf;
}

int harness_same_file(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *pa = harness_slurp(a, &la), *pb = harness_slurp(b, &lb);
    int same = pa && pb && la == lb && !memcmp(pa, pb, la);
    free(pa);
    free(pb);
    return same;
}
