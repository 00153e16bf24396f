/*
 * Claim 1 (cheap to compute): relu, sigmoid and tanh forward and backward, ns per element in L1
 * and out of cache, timed with actlab bench's machinery (bench/harness.h: warm-up, median of
 * runs, round-robin over the implementations) and its in-process peers (bench/peer.h), plus
 * PyTorch through bench/torch_act_bench.py when /usr/bin/python3 has torch.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "lab.h"
#include "peer.h"

#define PAD 64 /* floats past n in every buffer: peers may read ahead (bench/peer.h) */

static const char *const op_names[LAB_SPEED_OPS] = {"relu", "sigmoid", "tanh"};
static const enum act_op ops[LAB_SPEED_OPS] = {ACT_OP_RELU, ACT_OP_SIGMOID, ACT_OP_TANH};

/* actlab through its public API on one case. */
static void actlab_run(void *ctx)
{
    const struct bench_case *c = ctx;
    if (c->dir == ACT_DIR_FWD)
        act_forward(c->desc, c->n, c->in, c->out);
    else
        act_backward(c->desc, c->n, c->in, c->dy, c->out);
}

static float *alloc_floats(size_t n, float lo, float hi, uint32_t seed)
{
    float *p = malloc((n + PAD) * sizeof *p);
    for (size_t i = 0; p && i < n + PAD; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = lo + (hi - lo) * (float)(seed >> 8) * (1.0f / 16777216.0f);
    }
    return p;
}

/* Rows of torch_act_bench.py --csv: impl,op,dir,size,n,threads,ns_per_call,... */
static int torch_measure(struct lab *L, struct lab_speed *s, int slot)
{
    char cmd[4608];
    if (access("/usr/bin/python3", X_OK) != 0 || access(LAB_BENCH_DIR "/torch_act_bench.py", R_OK) != 0) {
        snprintf(s->about[slot], sizeof s->about[slot], "absent (no /usr/bin/python3 or bench script)");
        return 0;
    }
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 '%s/torch_act_bench.py' --ops relu,sigmoid,tanh --dirs fwd,bwd --sizes 4096,%zu "
             "--csv --runs %zu 2>/dev/null",
             LAB_BENCH_DIR, L->p.bench_dram_n, L->p.bench_runs);
    FILE *f = popen(cmd, "r");
    if (!f)
        return 0;
    char line[512];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        char impl[32], op[32], dir[8], size[32];
        size_t n;
        double ns;
        if (sscanf(line, "%31[^,],%31[^,],%7[^,],%31[^,],%zu,%*d,%lf", impl, op, dir, size, &n, &ns) != 6 ||
            strcmp(impl, "pytorch"))
            continue;
        for (int o = 0; o < LAB_SPEED_OPS; o++)
            if (!strcmp(op, op_names[o]))
                s->ns[slot][o][strcmp(dir, "fwd") != 0][n != 4096] = ns / (double)n, rows++;
    }
    int rc = pclose(f);
    if (rows)
        snprintf(s->about[slot], sizeof s->about[slot], "PyTorch via bench/torch_act_bench.py (sigmoid, tanh "
                 "backward from y)");
    else
        snprintf(s->about[slot], sizeof s->about[slot], "absent (python3 has no torch, exit %d)", rc);
    return rows > 0;
}

int lab_speed_measure(struct lab *L, struct lab_speed *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < LAB_SPEED_IMPLS; i++)
        for (int o = 0; o < LAB_SPEED_OPS; o++)
            for (int d = 0; d < 2; d++)
                s->ns[i][o][d][0] = s->ns[i][o][d][1] = NAN;
    s->impl[0] = "actlab";
    s->present[0] = 1;
    snprintf(s->about[0], sizeof s->about[0], "libactlab, %s kernels", act_isa());
    s->n[0] = 4096, s->n[1] = L->p.bench_dram_n;
    /* Peers by the bench's slots, then pytorch last. */
    const struct bench_peer *peers[LAB_SPEED_IMPLS] = {0};
    for (size_t i = 0; i < bench_peer_slot_count && i + 2 < LAB_SPEED_IMPLS; i++) {
        s->impl[1 + i] = bench_peer_slots[i].name;
        if (L->dry)
            continue;
        if (!bench_peer_slots[i].peer) {
            snprintf(s->about[1 + i], sizeof s->about[1 + i], "absent (install %s)", bench_peer_slots[i].needs);
            continue;
        }
        if (bench_peer_slots[i].peer->init(1, s->about[1 + i], sizeof s->about[1 + i]) == BENCH_PEER_OK)
            peers[1 + i] = bench_peer_slots[i].peer, s->present[1 + i] = 1;
    }
    int torch = LAB_SPEED_IMPLS - 1;
    s->impl[torch] = "pytorch";
    if (L->dry)
        return 0;
    size_t nmax = s->n[1];
    float *x = alloc_floats(nmax, -6.0f, 6.0f, 1u), *dy = alloc_floats(nmax, -1.0f, 1.0f, 2u);
    float *out = alloc_floats(nmax, 0.0f, 0.0f, 3u);
    if (!x || !dy || !out) {
        free(x), free(dy), free(out);
        snprintf(L->err, sizeof L->err, "out of memory for the claim 1 buffers (%zu floats)", nmax);
        return -1;
    }
    struct bench_timing t = {(int)L->p.bench_runs, 2e6, 1, 0};
    for (int o = 0; o < LAB_SPEED_OPS; o++) {
        struct act_desc d;
        act_desc_init(&d, ops[o]);
        for (int dir = 0; dir < 2; dir++)
            for (int sz = 0; sz < 2; sz++) {
                struct bench_case c = {&d, dir ? ACT_DIR_BWD : ACT_DIR_FWD, s->n[sz], x, dir ? dy : NULL, out};
                struct bench_item items[LAB_SPEED_IMPLS];
                void *handle[LAB_SPEED_IMPLS] = {0};
                int at[LAB_SPEED_IMPLS], count = 0;
                items[count] = (struct bench_item){actlab_run, &c};
                at[0] = count++;
                for (int i = 1; i < torch; i++) {
                    at[i] = -1;
                    if (peers[i] && peers[i]->prepare(&c, &handle[i]) == BENCH_PEER_OK) {
                        items[count] = (struct bench_item){peers[i]->run, handle[i]};
                        at[i] = count++;
                    }
                }
                double ns[LAB_SPEED_IMPLS];
                bench_time(items, count, &t, ns);
                for (int i = 0; i < torch; i++)
                    if (at[i] >= 0)
                        s->ns[i][o][dir][sz] = ns[at[i]] / (double)c.n;
                for (int i = 1; i < torch; i++)
                    if (at[i] >= 0)
                        peers[i]->destroy(handle[i]);
                char what[96];
                snprintf(what, sizeof what, "timing %s %s n=%zu", op_names[o], dir ? "bwd" : "fwd", c.n);
                lab_report_progress(L, what);
            }
    }
    for (int i = 1; i < torch; i++)
        if (peers[i])
            peers[i]->fini();
    free(x), free(dy), free(out);
    s->present[torch] = torch_measure(L, s, torch);
    return 0;
}
