/*
 * Crash-safe checkpoints. (1) A child process saves checkpoints in a loop, alternating two
 * different weight sets, and is killed with SIGKILL at a random moment, 40 times: the checkpoint
 * on disk must always load (CRC checked) and hold exactly one of the two sets. (2) A checkpoint
 * with one flipped data byte is refused (NN_ERR_FORMAT) and the model it was loaded into is left
 * untouched. (3) A save into a folder that does not exist fails and leaves no file behind.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "actlab/nn.h"
#include "harness.h"

static void fill(struct nn_model *m, float v)
{
    for (size_t j = 0; j < m->n_params; j++)
        m->params[j] = v + (float)j * 1e-3f;
}

static int holds(const struct nn_model *m, float v)
{
    for (size_t j = 0; j < m->n_params; j++)
        if (m->params[j] != v + (float)j * 1e-3f)
            return 0;
    return 1;
}

int main(void)
{
    struct nn_model_opts o;
    memset(&o, 0, sizeof o);
    o.input.c = 1, o.input.h = 28, o.input.w = 28;
    o.classes = 10;
    o.max_batch = 1;
    act_parse("relu", &o.act);
    struct nn_model m, back;
    if (!CHECK(nn_model_init(&m, "mlp", &o, NULL, 0) == NN_OK && nn_model_init(&back, "mlp", &o, NULL, 0) == NN_OK,
               "models"))
        return harness_finish();
    char path[64];
    snprintf(path, sizeof path, "nn_ckpt_test_%ld.safetensors", (long)getpid());
    fill(&m, 1.0f);
    CHECK(nn_safetensors_save(path, &m, NULL, 0) == NN_OK, "first save");

    srand(12345);
    int always_whole = 1, kills = 0, mid_write = 0;
    for (int round = 0; round < 40; round++) {
        pid_t pid = fork();
        if (pid == 0) {
            for (int k = 0;; k++) {
                fill(&m, k % 2 ? 2.0f : 1.0f);
                nn_safetensors_save(path, &m, NULL, 0);
            }
        }
        struct timespec d = {0, (long)(rand() % 20000) * 1000}; /* 0-20 ms: mid-write most times */
        nanosleep(&d, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        kills++;
        char tmp[96]; /* a killed writer's temporary file may remain; it never replaces the checkpoint */
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)pid);
        mid_write += unlink(tmp) == 0;
        int ok = nn_safetensors_load(path, &back, 0) == NN_OK && (holds(&back, 1.0f) || holds(&back, 2.0f));
        always_whole &= ok;
    }
    CHECK(always_whole, "after %d SIGKILLs during saving, the checkpoint always loaded whole", kills);
    printf("%d SIGKILLs, %d of them while a temporary file was being written\n", kills, mid_write);

    /* A flipped byte in the data section: refused, and the model keeps its weights. */
    fill(&m, 3.0f);
    CHECK(nn_safetensors_save(path, &m, NULL, 0) == NN_OK, "save");
    FILE *f = fopen(path, "r+b");
    if (CHECK(f != NULL, "reopen")) {
        fseek(f, -5, SEEK_END);
        int c = fgetc(f);
        fseek(f, -5, SEEK_END);
        fputc(c ^ 0x10, f);
        fclose(f);
    }
    fill(&back, 7.0f);
    CHECK(nn_safetensors_load(path, &back, 0) == NN_ERR_FORMAT, "a corrupt checkpoint is refused");
    CHECK(holds(&back, 7.0f), "a refused checkpoint leaves the model untouched");

    /* A folder that does not exist: an error, and nothing written. */
    CHECK(nn_safetensors_save("no-such-dir/x.safetensors", &m, NULL, 0) == NN_ERR_IO, "unwritable folder");
    unlink(path);
    nn_model_free(&m);
    nn_model_free(&back);
    return harness_finish();
}
