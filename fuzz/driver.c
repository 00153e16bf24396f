/* Runs a fuzz harness over files (the seed corpus and the saved findings) without libFuzzer, so
 * that every regular build replays them as a test. Prints "N passed, N failed". */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    static uint8_t buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n); /* a finding aborts the process */
    return 0;
}

int main(int argc, char **argv)
{
    int ran = 0, missing = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            continue; /* an optional folder (no findings yet) */
        if (!S_ISDIR(st.st_mode)) {
            missing += run_file(argv[i]) != 0;
            ran++;
            continue;
        }
        DIR *dir = opendir(argv[i]);
        struct dirent *e;
        while (dir && (e = readdir(dir))) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            missing += run_file(path) != 0;
            ran++;
        }
        if (dir)
            closedir(dir);
    }
    printf("%d passed, %d failed\n", ran - missing, missing);
    return missing || ran == 0;
}
