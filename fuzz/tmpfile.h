/* The engine's readers take paths: harnesses write each input to a private temporary file. */
#ifndef ACTLAB_FUZZ_TMPFILE_H
#define ACTLAB_FUZZ_TMPFILE_H
#include <stdio.h>
#include <unistd.h>

/* Write data to a per-process file (in /dev/shm when it exists) and return its path, or NULL. */
static inline const char *fuzz_tmpfile(const uint8_t *data, size_t size, const char *suffix)
{
    static char path[256];
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof path, "%s/actlab-fuzz-%ld%s", dir, (long)getpid(), suffix);
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    size_t w = fwrite(data, 1, size, f);
    fclose(f);
    return w == size ? path : NULL;
}
#endif
