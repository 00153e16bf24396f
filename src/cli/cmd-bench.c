/*
 * actlab bench: libactlab's activations against peers (a plain C loop, oneDNN, XNNPACK: see
 * bench/peer.h) and against bandwidth baselines moving the same bytes (bench/harness.h), all
 * in one process on the same buffers. Rows come from the op table and, with --isa, from the
 * kernel registry (act_kernel_list): every kernel this CPU can run, called directly.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "actlab/act.h"
#include "cli.h"
#include "harness.h"
#include "internal.h"
#include "peer.h"

#define MAX_OPS 64
#define MAX_SIZES 16
#define MAX_PEERS 8
#define MAX_N ((size_t)1 << 28)  /* 1 GiB per array */
#define PAD 64                   /* floats of slack past n in every buffer, for peers that read ahead */
#define CHECK_CAP 4200           /* accuracy check points */
#define MIN_RUN_NS 2e6           /* each timed run repeats the call for at least 2 ms */

static const char *const dir_names[ACT_DIR_COUNT] = {"fwd", "bwd", "bwdy"};

/* Where a size sits, for the targets: in cache, out of cache, or between (no target). */
enum where { IN_CACHE, OUT_OF_CACHE, BETWEEN };

static const struct named_size {
    const char *name;
    size_t n;
    enum where where;
} named_sizes[] = {
    {"L1", 4096, IN_CACHE},            /* 16 KiB per array: input and output fit a 32 KiB L1 */
    {"L2", 65536, IN_CACHE},           /* 256 KiB per array: twice that fits a 512 KiB - 2 MiB L2 */
    {"DRAM", (size_t)16 << 20, OUT_OF_CACHE}, /* 64 MiB per array: beyond the last-level cache */
};

struct op_item {
    struct act_desc d;
    char label[48];
};

struct size_item {
    size_t n;
    char label[24];
    enum where where;
};

struct opts {
    struct op_item ops[MAX_OPS];
    int nops;
    struct size_item sizes[MAX_SIZES];
    int nsizes;
    int dirs[ACT_DIR_COUNT];
    int peers[MAX_PEERS];  /* by bench_peer_slots index: selected */
    int threads, runs, csv, isa, quick, cpu_clock;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: actlab bench [--ops LIST] [--dirs LIST] [--sizes LIST] [--peers LIST]\n"
            "                    [--threads N] [--runs N] [--clock mono|cpu] [--isa] [--csv] [--quick]\n\n"
            "Times libactlab's activations (act_forward, act_backward, act_backward_from_output)\n"
            "against peers in the same process on the same buffers, and against bandwidth\n"
            "baselines that move the same bytes with no arithmetic. Per op, direction and size:\n"
            "elements/ns, GB/s (bytes read + written: fwd 8 B/el, bwd 12 B/el), actlab's speed\n"
            "as a %% of each baseline, and how many times faster actlab is than each peer (peer\n"
            "time / actlab time). Warm-up, then the median of --runs runs of >= 2 ms each.\n"
            "Peers are first checked against libactlab on a few thousand points.\n\n"
            "  --ops LIST     activations as in 'actlab list', comma-separated, parameters after\n"
            "                 the name: relu,elu:alpha=0.5,softplus:beta=2,threshold=10 (default:\n"
            "                 all; plain 'threshold' means threshold:threshold=0.1,value=20)\n"
            "  --dirs LIST    fwd, bwd, bwdy (backward from the output, where offered)\n"
            "                 (default: all three)\n"
            "  --sizes LIST   L1 (4096 floats), L2 (65536), DRAM (16M) or element counts with an\n"
            "                 optional k or M suffix (x1024, x1048576) (default: L1,L2,DRAM)\n"
            "  --peers LIST   naive, onednn, xnnpack or none (default: every one built in)\n"
            "  --threads N    threads per call, for every implementation (default: 1): libactlab's\n"
            "                 own (act_set_num_threads, used from n = 65536 up), the peers' own, and\n"
            "                 the bench's for bare kernels, the plain C loop and the baselines.\n"
            "                 oneDNN's OpenMP threads spin between calls: OMP_WAIT_POLICY=passive\n"
            "                 is fairer to the others\n"
            "  --runs N       timed runs per measurement; the median is reported (default: 7)\n"
            "  --clock C      mono: CLOCK_MONOTONIC (default); cpu: this thread's CPU time, which\n"
            "                 leaves out time other processes took the core (one thread only)\n"
            "  --isa          also time the kernel of each instruction set this CPU runs\n"
            "  --csv          CSV rows on stdout instead of the table (notes go to stderr)\n"
            "  --quick        tiny sizes and one run: checks that everything runs, not speed\n\n"
            "With prelu among the ops, per-channel PReLU (act_prelu_forward, act_prelu_backward with\n"
            "dslope) is also timed on two fixed shapes, 64x16x784 and 256x512x1 (rows x channels x\n"
            "inner), against the peers that have it.\n");
}

/* ---- option parsing --------------------------------------------------------------------- */

/* If argv[*i] is `name VALUE` or `name=VALUE`: set *val, step *i past it and return 1; return
 * 0 if it is another option, and -1 (after saying so) if the value is missing. */
static int opt_value(const char *name, int argc, char **argv, int *i, const char **val)
{
    size_t len = strlen(name);
    if (strncmp(argv[*i], name, len))
        return 0;
    if (argv[*i][len] == '=') {
        *val = argv[*i] + len + 1;
        return 1;
    }
    if (argv[*i][len])
        return 0;
    if (*i + 1 >= argc) {
        cli_error(argv[0], "%s needs a value (see actlab bench --help)", name);
        return -1;
    }
    *val = argv[++*i];
    return 1;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

/* The bench's defaults for an op: PyTorch's, and for threshold (which has none) 0.1 and 20. */
static void default_desc(enum act_op op, struct act_desc *d)
{
    act_desc_init(d, op);
    if (op == ACT_OP_THRESHOLD)
        d->threshold = 0.1f, d->value = 20.0f;
}

static int add_op(struct opts *o, const char *cmd, const char *spec, size_t len)
{
    char buf[sizeof o->ops[0].label];
    if (len == 0 || len >= sizeof buf) {
        cli_error(cmd, "bad --ops entry '%.*s' (see actlab list for names and parameters)", (int)len, spec);
        return 0;
    }
    memcpy(buf, spec, len);
    buf[len] = 0;
    if (o->nops == MAX_OPS) {
        cli_error(cmd, "too many --ops (at most %d)", MAX_OPS);
        return 0;
    }
    struct op_item *it = &o->ops[o->nops];
    int ok = 1;
    if (!strcmp(buf, "threshold"))
        default_desc(ACT_OP_THRESHOLD, &it->d);
    else
        ok = act_parse(buf, &it->d) == ACT_OK;
    if (!ok) {
        cli_error(cmd, "unknown activation or bad parameters in --ops entry '%s' (see actlab list)", buf);
        return 0;
    }
    memcpy(it->label, buf, len + 1);
    o->nops++;
    return 1;
}

/* Split at commas, but a piece with '=' and no ':' continues the previous spec's parameters:
 * "relu,softplus:beta=2,threshold=10,elu" is relu | softplus:beta=2,threshold=10 | elu. */
static int parse_ops(struct opts *o, const char *cmd, const char *list)
{
    const char *spec = NULL, *s = list;
    size_t spec_len = 0;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (spec && memchr(s, '=', len) && !memchr(s, ':', len)) {
            spec_len = (size_t)(s + len - spec);
        } else {
            if (spec && !add_op(o, cmd, spec, spec_len))
                return 0;
            spec = s, spec_len = len;
        }
        if (!comma)
            break;
        s = comma + 1;
    }
    return add_op(o, cmd, spec, spec_len);
}

static int add_size(struct opts *o, const char *cmd, const char *tok)
{
    if (o->nsizes == MAX_SIZES) {
        cli_error(cmd, "too many --sizes (at most %d)", MAX_SIZES);
        return 0;
    }
    struct size_item *sz = &o->sizes[o->nsizes];
    for (size_t i = 0; i < sizeof named_sizes / sizeof named_sizes[0]; i++)
        if (!strcasecmp(tok, named_sizes[i].name)) {
            sz->n = named_sizes[i].n;
            sz->where = named_sizes[i].where;
            snprintf(sz->label, sizeof sz->label, "%s", named_sizes[i].name);
            o->nsizes++;
            return 1;
        }
    char *end;
    unsigned long long v = 0;
    if (*tok >= '0' && *tok <= '9')
        v = strtoull(tok, &end, 10);
    else
        end = (char *)tok;
    if (end != tok && (*end == 'k' || *end == 'K'))
        v = v <= MAX_N ? v << 10 : 0, end++;
    else if (end != tok && (*end == 'm' || *end == 'M'))
        v = v <= MAX_N ? v << 20 : 0, end++;
    if (end == tok || *end || v == 0 || v > MAX_N) {
        cli_error(cmd, "bad size '%s': use L1, L2, DRAM or an element count from 1 to %zu (k and M suffixes allowed)",
                  tok, MAX_N);
        return 0;
    }
    sz->n = (size_t)v;
    /* Input and output of 4n bytes each: in cache up to the L2 size above, out of it from 8M. */
    sz->where = sz->n <= 65536 ? IN_CACHE : sz->n >= ((size_t)8 << 20) ? OUT_OF_CACHE : BETWEEN;
    snprintf(sz->label, sizeof sz->label, "%zu", sz->n);
    o->nsizes++;
    return 1;
}

/* Call add(o, cmd, piece) for each comma-separated piece of list (copied: pieces are NUL-ended). */
static int for_each_piece(struct opts *o, const char *cmd, const char *list,
                          int (*add)(struct opts *o, const char *cmd, const char *piece))
{
    char *copy = strdup(list);
    if (!copy) {
        cli_error(cmd, "out of memory");
        return 0;
    }
    int ok = 1;
    for (char *p = copy, *comma; ok; p = comma + 1) {
        comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        ok = add(o, cmd, p);
        if (!comma)
            break;
    }
    free(copy);
    return ok;
}

static int add_dir(struct opts *o, const char *cmd, const char *tok)
{
    for (int d = 0; d < ACT_DIR_COUNT; d++)
        if (!strcmp(tok, dir_names[d])) {
            o->dirs[d] = 1;
            return 1;
        }
    cli_error(cmd, "unknown direction '%s' in --dirs (use fwd, bwd, bwdy)", tok);
    return 0;
}

static int add_peer(struct opts *o, const char *cmd, const char *tok)
{
    if (!strcmp(tok, "none"))
        return 1;
    for (size_t i = 0; i < bench_peer_slot_count; i++) {
        const struct bench_peer_slot *s = &bench_peer_slots[i];
        if (strcmp(tok, s->name))
            continue;
        if (!s->peer) {
            cli_error(cmd, "peer '%s' is not in this build (install %s, then reconfigure and rebuild)", tok, s->needs);
            return 0;
        }
        o->peers[i] = 1;
        return 1;
    }
    cli_error(cmd, "unknown peer '%s' in --peers (use naive, onednn, xnnpack or none)", tok);
    return 0;
}

/* Fill *o from the command line. Returns CLI_OK, -1 once --help is printed (then exit 0), or
 * the exit code after a message. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
    const char *cmd = argv[0], *ops = NULL, *sizes = NULL, *dirs = NULL, *peers = NULL, *threads = NULL, *runs = NULL,
               *clock = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = 0;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        } else if (!strcmp(a, "--csv")) {
            o->csv = 1;
        } else if (!strcmp(a, "--isa")) {
            o->isa = 1;
        } else if (!strcmp(a, "--quick")) {
            o->quick = 1;
        } else if ((r = opt_value("--ops", argc, argv, &i, &ops)) || (r = opt_value("--sizes", argc, argv, &i, &sizes)) ||
                   (r = opt_value("--dirs", argc, argv, &i, &dirs)) || (r = opt_value("--peers", argc, argv, &i, &peers)) ||
                   (r = opt_value("--threads", argc, argv, &i, &threads)) ||
                   (r = opt_value("--runs", argc, argv, &i, &runs)) ||
                   (r = opt_value("--clock", argc, argv, &i, &clock))) {
            if (r < 0)
                return CLI_USAGE;
        } else {
            cli_error(cmd, "unknown option '%s' (see actlab bench --help)", a);
            return CLI_USAGE;
        }
    }
    long v;
    o->threads = 1;
    if (threads) {
        if (!parse_int(threads, 1, BENCH_MAX_THREADS, &v)) {
            cli_error(cmd, "bad --threads '%s': use a whole number from 1 to %d", threads, BENCH_MAX_THREADS);
            return CLI_USAGE;
        }
        o->threads = (int)v;
    }
    if (clock) {
        o->cpu_clock = !strcmp(clock, "cpu");
        if (!o->cpu_clock && strcmp(clock, "mono")) {
            cli_error(cmd, "bad --clock '%s': use mono or cpu", clock);
            return CLI_USAGE;
        }
        if (o->cpu_clock && o->threads > 1) {
            cli_error(cmd, "--clock cpu measures one thread: it cannot time --threads %d", o->threads);
            return CLI_USAGE;
        }
    }
    o->runs = o->quick ? 1 : 7;
    if (runs) {
        if (!parse_int(runs, 1, BENCH_MAX_RUNS, &v)) {
            cli_error(cmd, "bad --runs '%s': use a whole number from 1 to %d", runs, BENCH_MAX_RUNS);
            return CLI_USAGE;
        }
        o->runs = (int)v;
    }
    if (ops) {
        if (!parse_ops(o, cmd, ops))
            return CLI_USAGE;
    } else {
        for (int op = 0; op < ACT_OP_COUNT; op++) {
            default_desc((enum act_op)op, &o->ops[o->nops].d);
            snprintf(o->ops[o->nops++].label, sizeof o->ops[0].label, "%s", act_op_name((enum act_op)op));
        }
    }
    if (!for_each_piece(o, cmd, sizes ? sizes : o->quick ? "1000,4099" : "L1,L2,DRAM", add_size))
        return CLI_USAGE;
    if (!for_each_piece(o, cmd, dirs ? dirs : "fwd,bwd,bwdy", add_dir))
        return CLI_USAGE;
    if (peers) {
        if (!for_each_piece(o, cmd, peers, add_peer))
            return CLI_USAGE;
    } else {
        for (size_t i = 0; i < bench_peer_slot_count && i < MAX_PEERS; i++)
            o->peers[i] = bench_peer_slots[i].peer != NULL;
    }
    return CLI_OK;
}

/* ---- the things timed -------------------------------------------------------------------- */

/* libactlab on one case: through the public API (fwd and bwd NULL) or one registry kernel. */
struct act_job {
    struct bench_case c;
    act_fwd_fn fwd;
    act_bwd_fn bwd;
    struct act_params p;
};

static void act_span(void *ctx, size_t i0, size_t i1)
{
    const struct act_job *j = ctx;
    const struct bench_case *c = &j->c;
    size_t n = i1 - i0;
    if (j->fwd)
        j->fwd(n, c->in + i0, c->out + i0, &j->p);
    else if (j->bwd)
        j->bwd(n, c->in + i0, c->dy + i0, c->out + i0, &j->p);
    else if (c->dir == ACT_DIR_FWD)
        act_forward(c->desc, n, c->in + i0, c->out + i0);
    else if (c->dir == ACT_DIR_BWD)
        act_backward(c->desc, n, c->in + i0, c->dy + i0, c->out + i0);
    else
        act_backward_from_output(c->desc, n, c->in + i0, c->dy + i0, c->out + i0);
}

static void act_run(void *ctx)
{
    const struct act_job *j = ctx;
    if (j->fwd || j->bwd) /* a bare kernel: split over the bench's threads */
        bench_team_for(j->c.n, act_span, ctx);
    else /* the API: libactlab splits the call over its own threads (act_set_num_threads) */
        act_span(ctx, 0, j->c.n);
}

struct base_job {
    bench_base_fn fn;
    const float *a, *b;
    float *c;
    size_t n;
};

static void base_span(void *ctx, size_t i0, size_t i1)
{
    const struct base_job *j = ctx;
    j->fn(j->a + i0, j->b + i0, j->c + i0, i1 - i0);
}

static void base_run(void *ctx)
{
    bench_team_for(((const struct base_job *)ctx)->n, base_span, ctx);
}

/* ---- the run ------------------------------------------------------------------------------ */

struct peer_state {
    const struct bench_peer *peer;
    char about[160];
};

struct bench {
    const struct opts *o;
    struct bench_timing timing;
    float *x, *dy, *yin, *out;     /* (max n + PAD) floats each: x, dy, y = f(x) for bwdy, the result */
    struct peer_state peers[MAX_PEERS];
    int npeers;
    int onednn, xnnpack;           /* index in peers[], or -1 */
    FILE *note;                    /* stdout for the table, stderr with --csv */
    const char *np;                /* note prefix: "" or "# " */
    char *misses;                  /* target misses, one per line */
    size_t misses_len;
    int met, missed;
};

static float *alloc_floats(size_t n)
{
    size_t bytes = ((n + PAD) * sizeof(float) + 63) & ~(size_t)63;
    return aligned_alloc(64, bytes);
}

/* A fixed pseudo-random sequence (xorshift32) mapped to [lo, hi). */
static void fill_uniform(float *v, size_t n, float lo, float hi, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
        v[i] = lo + (hi - lo) * (float)(seed >> 8) * (1.0f / 16777216.0f);
    }
}

static void cpu_name(char *buf, size_t len)
{
    snprintf(buf, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (colon && (!strncmp(line, "model name", 10) || !strncmp(line, "Model", 5))) {
            colon += 1 + (colon[1] == ' ');
            colon[strcspn(colon, "\n")] = 0;
            snprintf(buf, len, "%s", colon);
            break;
        }
    }
    fclose(f);
}

static const char *fmt_bytes(size_t bytes, char *buf, size_t len)
{
    if (bytes >= ((size_t)1 << 20))
        snprintf(buf, len, "%.4g MiB", (double)bytes / (1 << 20));
    else if (bytes >= 1024)
        snprintf(buf, len, "%.4g KiB", (double)bytes / 1024);
    else
        snprintf(buf, len, "%zu B", bytes);
    return buf;
}

static void print_header(const struct bench *b)
{
    const struct opts *o = b->o;
    char cpu[128], date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", &tm);
    cpu_name(cpu, sizeof cpu);
    const char *p = b->np;
    fprintf(b->note, "%sactlab bench: %s, %s (%ld CPUs online), libactlab %d.%d.%d, dispatch %s, %d thread%s\n", p, date,
            cpu, sysconf(_SC_NPROCESSORS_ONLN), ACTLAB_VERSION_MAJOR, ACTLAB_VERSION_MINOR, ACTLAB_VERSION_PATCH,
            act_isa(), o->threads, o->threads > 1 ? "s" : "");
    char load[64] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(load, sizeof load, f))
            snprintf(load, sizeof load, "?");
        load[strcspn(load, " \n")] = 0; /* the 1-minute average */
        fclose(f);
    }
    fprintf(b->note,
            "%stiming: warm-up, then the median of %d run%s of >= %g ms each on %s, every row's\n"
            "%simplementations and baselines %s%s; load average at start: %s\n",
            p, o->runs, o->runs > 1 ? "s" : "", b->timing.min_run_ns / 1e6,
            o->cpu_clock ? "the thread's CPU clock" : "CLOCK_MONOTONIC", p,
            b->timing.interleave ? "interleaved run by run" : "one after another (threads spin between calls)",
            o->quick ? " (--quick: not a measurement)" : "", load);
    for (size_t i = 0; i < bench_peer_slot_count && i < MAX_PEERS; i++) {
        const struct bench_peer_slot *s = &bench_peer_slots[i];
        if (!s->peer)
            fprintf(b->note, "%speer %-8s absent: not in this build (install %s, then reconfigure)\n", p, s->name,
                    s->needs);
    }
    for (int i = 0; i < b->npeers; i++)
        fprintf(b->note, "%speer %-8s %s\n", p, b->peers[i].peer->name, b->peers[i].about);
}

/* Width of the op column: the longest label (with "/avx512" after it for --isa rows). */
static int label_width(const struct opts *o, int isa_rows)
{
    int w = 12;
    for (int i = 0; i < o->nops; i++) {
        int l = (int)strlen(o->ops[i].label) + (isa_rows ? 7 : 0);
        if (l > w)
            w = l;
    }
    return w;
}

/* ---- accuracy of the peers ------------------------------------------------------------------ */

/* Ordered integer of a float, so that ULP distance is a difference (-0 and +0 are equal). */
static int64_t ordered(float f)
{
    int32_t i;
    memcpy(&i, &f, sizeof i);
    return i >= 0 ? (int64_t)i : (int64_t)INT32_MIN - i;
}

/* Check points: specials (NaN, infinities, zeros, subnormals, extremes, kinks), a grid over
 * [-12, 12] and log-spaced magnitudes from 1e-6 to 1e4 of both signs. Returns the count. */
static const float check_special[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, FLT_MIN, -FLT_MIN, 1e-45f, -1e-45f,
                                      FLT_MAX, -FLT_MAX, 1, -1, 3, -3, 6, -6, 0.1f, 20, -20, 88.75f, -88.75f,
                                      100, -100, 1e10f, -1e10f};
#define CHECK_SPECIALS (sizeof check_special / sizeof check_special[0])

static size_t check_points(float *x)
{
    size_t k = 0;
    for (size_t i = 0; i < CHECK_SPECIALS; i++)
        x[k++] = check_special[i];
    for (int i = 0; i < 2048; i++)
        x[k++] = -12.0f + 24.0f * (float)i / 2047.0f;
    for (int i = 0; i < 1024; i++) {
        float m = powf(10.0f, -6.0f + 10.0f * (float)i / 1023.0f);
        x[k++] = m;
        x[k++] = -m;
    }
    return k;
}

/* Print how a peer's result differs from ours: max ULP (and where) and max abs difference over
 * the points where both are finite, then where they disagree on NaN or infinity. */
static void compare(const struct bench *b, const char *peer, const char *op, int dir, const char *impl,
                    const float *x, const float *ours, const float *theirs, size_t n)
{
    double max_ulp = 0, max_abs = 0;
    float worst_x = 0;
    int policy = 0;
    char ex[2][80];
    for (size_t i = 0; i < n; i++) {
        float a = ours[i], t = theirs[i];
        if (isfinite(a) && isfinite(t)) {
            double ulp = fabs((double)(ordered(a) - ordered(t))), abs_err = fabs((double)a - (double)t);
            if (ulp > max_ulp)
                max_ulp = ulp, worst_x = x[i];
            if (abs_err > max_abs)
                max_abs = abs_err;
        } else if (!(isnan(a) && isnan(t)) && a != t) {
            if (policy < 2)
                snprintf(ex[policy], sizeof ex[0], "x=%g gives %g (ours %g)", x[i], t, a);
            policy++;
        }
    }
    char at[24] = "-";
    if (max_ulp > 0)
        snprintf(at, sizeof at, "%.4g", worst_x);
    fprintf(b->note, "%s  %-8s %-*s %-4s %9.3g %11s %9.2g  %-14s", b->np, peer, label_width(b->o, 0), op, dir_names[dir],
            max_ulp, at, max_abs, impl ? impl : "-");
    if (policy)
        fprintf(b->note, " %d: %s%s%s", policy, ex[0], policy > 1 ? "; " : "", policy > 1 ? ex[1] : "");
    fprintf(b->note, "\n");
}

/* Check every active peer on every op and direction it has against libactlab. */
static void check_peers(const struct bench *b)
{
    const struct opts *o = b->o;
    if (!b->npeers)
        return;
    float *x = alloc_floats(CHECK_CAP), *dy = alloc_floats(CHECK_CAP), *yin = alloc_floats(CHECK_CAP);
    float *ours = alloc_floats(CHECK_CAP), *theirs = alloc_floats(CHECK_CAP);
    if (!x || !dy || !yin || !ours || !theirs) {
        fprintf(b->note, "%saccuracy check skipped: out of memory\n", b->np);
        goto out;
    }
    size_t n = check_points(x);
    for (size_t i = 0; i < n; i++) /* dy: 1 on the specials, then nonzero values in [-2, 2] */
        dy[i] = i < CHECK_SPECIALS ? 1.0f : (float)((i % 2) ? -1 : 1) * (0.25f + 0.25f * (float)(i % 7));
    fprintf(b->note, "%s\n%saccuracy of the peers against libactlab on %zu points (NaN, +-inf, +-0, subnormals, kinks,\n"
                     "%sa grid over [-12, 12], magnitudes 1e-6 .. 1e4): max ULP and abs difference where both are\n"
                     "%sfinite; last column: points where they disagree on NaN or infinity, with examples\n",
            b->np, b->np, n, b->np, b->np);
    fprintf(b->note, "%s  %-8s %-*s %-4s %9s %11s %9s  %-14s %s\n", b->np, "peer", label_width(o, 0), "op", "dir",
            "max ulp", "at x", "max abs", "impl", "NaN/inf");
    for (int pi = 0; pi < b->npeers; pi++) {
        const struct bench_peer *pr = b->peers[pi].peer;
        for (int oi = 0; oi < o->nops; oi++) {
            const struct act_desc *d = &o->ops[oi].d;
            act_forward(d, n, x, yin);
            for (int dir = 0; dir < ACT_DIR_COUNT; dir++) {
                if (!o->dirs[dir] || (dir == ACT_DIR_BWD_Y && !act_supports_backward_from_output(d)))
                    continue;
                struct bench_case c = {d, (enum act_dir)dir, n, dir == ACT_DIR_BWD_Y ? yin : x,
                                       dir == ACT_DIR_FWD ? NULL : dy, theirs};
                void *h = NULL;
                if (pr->prepare(&c, &h) != BENCH_PEER_OK)
                    continue;
                pr->run(h);
                char impl[32] = "";
                const char *name = pr->impl ? pr->impl(h) : NULL;
                if (name)
                    snprintf(impl, sizeof impl, "%s", name);
                pr->destroy(h);
                if (dir == ACT_DIR_FWD)
                    act_forward(d, n, x, ours);
                else if (dir == ACT_DIR_BWD)
                    act_backward(d, n, x, dy, ours);
                else
                    act_backward_from_output(d, n, yin, dy, ours);
                compare(b, pr->name, o->ops[oi].label, dir, name ? impl : NULL, x, ours, theirs, n);
            }
        }
    }
out:
    free(x), free(dy), free(yin), free(ours), free(theirs);
}

/* ---- targets (the issue's, judged single-threaded within this run) --------------------------- */

/* The bandwidth-bound family the issue holds to the copy loop: piecewise linear ops (hardsigmoid
 * included; hardswish is piecewise quadratic and counts with the smooth ops). */
static int piecewise_linear(enum act_op op)
{
    switch (op) {
    case ACT_OP_IDENTITY: case ACT_OP_RELU: case ACT_OP_LEAKY_RELU: case ACT_OP_PRELU: case ACT_OP_RRELU:
    case ACT_OP_RELU6: case ACT_OP_HARDTANH: case ACT_OP_HARDSIGMOID: case ACT_OP_THRESHOLD:
        return 1;
    default:
        return 0;
    }
}

static void target(struct bench *b, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void target(struct bench *b, int ok, const char *fmt, ...)
{
    if (ok) {
        b->met++;
        return;
    }
    b->missed++;
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t add = strlen(line);
    char *grown = realloc(b->misses, b->misses_len + add + 2);
    if (!grown)
        return;
    b->misses = grown;
    memcpy(b->misses + b->misses_len, line, add);
    b->misses_len += add;
    b->misses[b->misses_len++] = '\n';
    b->misses[b->misses_len] = 0;
}

/*
 * Judge actlab's row against the targets. pct: actlab's speed as a % of [loop, memcpy, nt];
 * ratio[i]: peer i's time / actlab's (NAN if none). The percentages of the loop apply in cache,
 * those of the non-temporal loop out of it; bwd >= 5x oneDNN only in cache, where oneDNN is not
 * bound by memory too.
 */
static void judge(struct bench *b, const struct op_item *op, int dir, const struct size_item *sz, const double *pct,
                  const double *ratio)
{
    if (dir == ACT_DIR_BWD_Y)
        return;
    const char *what = op->label, *dn = dir_names[dir], *sl = sz->label;
    const char *loop = dir == ACT_DIR_FWD ? "copy loop" : "add loop", *nt = dir == ACT_DIR_FWD ? "nt copy" : "nt add";
    if (b->o->threads != 1) {
        /* The one threaded target: out of cache, the piecewise-linear family at >= 90% of the
         * non-temporal loop run with the same threads. */
        if (piecewise_linear(op->d.op) && sz->where == OUT_OF_CACHE && !isnan(pct[BENCH_BW_NT]))
            target(b, pct[BENCH_BW_NT] >= 90, "%s %s %s: %.0f%% of the %d-thread %s (target >= 90%%)", what, dn, sl,
                   pct[BENCH_BW_NT], b->o->threads, nt);
        return;
    }
    double onednn = b->onednn >= 0 ? ratio[b->onednn] : NAN, xnnpack = b->xnnpack >= 0 ? ratio[b->xnnpack] : NAN;
    if (piecewise_linear(op->d.op)) {
        if (sz->where == IN_CACHE && !isnan(pct[BENCH_BW_LOOP]))
            target(b, pct[BENCH_BW_LOOP] >= 90, "%s %s %s: %.0f%% of the %s (target >= 90%%)", what, dn, sl,
                   pct[BENCH_BW_LOOP], loop);
        if (sz->where == OUT_OF_CACHE && !isnan(pct[BENCH_BW_NT]))
            target(b, pct[BENCH_BW_NT] >= 90, "%s %s %s: %.0f%% of the %s (target >= 90%%)", what, dn, sl,
                   pct[BENCH_BW_NT], nt);
        if (dir == ACT_DIR_FWD && !isnan(xnnpack))
            target(b, xnnpack >= 1, "%s %s %s: %.2fx xnnpack (target >= 1x)", what, dn, sl, xnnpack);
        if (dir == ACT_DIR_BWD && sz->where == IN_CACHE && !isnan(onednn))
            target(b, onednn >= 5, "%s %s %s: %.2fx onednn (target >= 5x)", what, dn, sl, onednn);
    } else {
        if (!isnan(onednn))
            target(b, onednn >= 2, "%s %s %s: %.2fx onednn (target >= 2x)", what, dn, sl, onednn);
        if (!isnan(xnnpack))
            target(b, xnnpack >= 1, "%s %s %s: %.2fx xnnpack (target >= 1x)", what, dn, sl, xnnpack);
    }
}

/* ---- output ---------------------------------------------------------------------------------- */

static double bytes_per_el(int dir)
{
    return dir == ACT_DIR_FWD ? 8.0 : 12.0;
}

static void csv_row(const struct bench *b, const char *impl, const char *op, int dir, const struct size_item *sz,
                    double ns, const double *pct, double ratio)
{
    /* Specs with parameters contain commas: quote them (RFC 4180). */
    const char *q = strchr(op, ',') ? "\"" : "";
    printf("%s,%s%s%s,%s,%s,%zu,%d,%.1f,%.4f,%.3f", impl, q, op, q, dir_names[dir], sz->label, sz->n, b->o->threads, ns,
           (double)sz->n / ns, bytes_per_el(dir) * (double)sz->n / ns);
    for (int k = 0; k < BENCH_BW_COUNT; k++)
        if (pct && !isnan(pct[k]))
            printf(",%.1f", pct[k]);
        else
            printf(",");
    if (isnan(ratio))
        printf(",\n");
    else
        printf(",%.3f\n", ratio);
}

static void table_head(const struct bench *b)
{
    int w = label_width(b->o, b->o->isa);
    printf("%-*s %-4s %8s %8s %6s %6s %6s |", w, "op", "dir", "el/ns", "GB/s", "%loop", "%mcpy", "%nt");
    for (int i = 0; i < b->npeers; i++)
        printf(" %8s", b->peers[i].peer->name);
    printf("\n");
}

/* Speed as a % of each baseline (the same bytes: a time ratio); NAN where there is none. */
static void percents(const double *base_ns, double ns, double *pct)
{
    for (int k = 0; k < BENCH_BW_COUNT; k++)
        pct[k] = base_ns[k] / ns * 100;
}

/*
 * The row of one implementation taking ns per call: a CSV row (any implementation), or a table
 * row (actlab and its ISA kernels; peer_ns, on actlab's row, gives the peer columns). base_ns:
 * the baselines of the direction's traffic, timed with it.
 */
static void emit(const struct bench *b, const char *label, const char *impl, const struct op_item *op, int dir,
                 const struct size_item *sz, double ns, double actlab_ns, const double *base_ns, const double *peer_ns)
{
    double pct[BENCH_BW_COUNT];
    percents(base_ns, ns, pct);
    if (b->o->csv) {
        csv_row(b, impl, op->label, dir, sz, ns, pct, ns / actlab_ns);
        return;
    }
    printf("%-*s %-4s %8.3f %8.2f", label_width(b->o, b->o->isa), label, dir_names[dir], (double)sz->n / ns,
           bytes_per_el(dir) * (double)sz->n / ns);
    for (int k = 0; k < BENCH_BW_COUNT; k++) {
        if (isnan(pct[k]))
            printf(" %6s", "-");
        else
            printf(" %5.0f%%", pct[k]);
    }
    printf(" |");
    for (int i = 0; peer_ns && i < b->npeers; i++) {
        if (isnan(peer_ns[i]))
            printf(" %8s", "-");
        else
            printf(" %7.2fx", peer_ns[i] / ns);
    }
    printf("\n");
}

/* ---- the measurements ----------------------------------------------------------------------- */

#define MAX_ITEMS (1 + ACT_ISA_COUNT + MAX_PEERS + BENCH_BW_COUNT)

/* Add the baselines of a traffic pattern (bwd 0 or 1) over n elements to items (jobs holds
 * them); at[k] is baseline k's index in items, or -1 where there is none. */
static void add_baselines(const struct bench *b, int bwd, size_t n, struct base_job *jobs, struct bench_item *items,
                          int *count, int *at)
{
    for (int k = 0; k < BENCH_BW_COUNT; k++) {
        const struct bench_base *base = bench_baseline(bwd, (enum bench_bw)k, act_isa());
        at[k] = -1;
        if (!base)
            continue;
        jobs[k] = (struct base_job){base->fn, b->x, b->dy, b->out, n};
        at[k] = *count;
        items[(*count)++] = (struct bench_item){base_run, &jobs[k]};
    }
}

/* The value at index at in ns, or NAN for -1. */
static double pick(const double *ns, int at)
{
    return at >= 0 ? ns[at] : NAN;
}

/* Time all baselines at this size, and print them as the head of its table (or CSV rows). */
static void measure_baselines(const struct bench *b, const struct size_item *sz)
{
    struct base_job jobs[2][BENCH_BW_COUNT];
    struct bench_item items[2 * BENCH_BW_COUNT];
    int count = 0, at[2][BENCH_BW_COUNT];
    for (int bwd = 0; bwd < 2; bwd++)
        add_baselines(b, bwd, sz->n, jobs[bwd], items, &count, at[bwd]);
    double ns[2 * BENCH_BW_COUNT];
    bench_time(items, count, &b->timing, ns);

    char line[512];
    int used = 0;
    for (int bwd = 0; bwd < 2; bwd++)
        for (int k = 0; k < BENCH_BW_COUNT; k++) {
            if (at[bwd][k] < 0)
                continue;
            const char *name = bench_baseline(bwd, (enum bench_bw)k, act_isa())->name;
            double t = ns[at[bwd][k]];
            if (b->o->csv) {
                char impl[32];
                snprintf(impl, sizeof impl, "%s", name);
                for (char *c = impl; *c; c++)
                    if (*c == ' ')
                        *c = '_';
                csv_row(b, impl, "", bwd ? ACT_DIR_BWD : ACT_DIR_FWD, sz, t, NULL, NAN);
                continue;
            }
            int w = snprintf(line + used, sizeof line - (size_t)used, "%s%s %.2f el/ns %.1f GB/s", used ? " | " : "",
                             name, (double)sz->n / t, bytes_per_el(bwd) * (double)sz->n / t);
            if (w > 0 && (size_t)w < sizeof line - (size_t)used)
                used += w;
        }
    if (!b->o->csv) {
        char buf[32];
        printf("\n== %s: n = %zu (%s per array) ==\nbaselines: %s\n", sz->label, sz->n,
               fmt_bytes(sz->n * sizeof(float), buf, sizeof buf), used ? line : "none");
        table_head(b);
    }
}

/* One op and direction at one size: actlab, (with --isa) each ISA's kernel, every peer that
 * has it and the baselines of the same traffic, timed together; then its rows. */
static void measure_case(struct bench *b, const struct op_item *op, int dir, const struct size_item *sz)
{
    const struct act_desc *d = &op->d;
    struct bench_item items[MAX_ITEMS];
    int count = 0;

    struct act_job jobs[1 + ACT_ISA_COUNT];
    enum act_isa_id isa[1 + ACT_ISA_COUNT];
    int njobs = 1;
    jobs[0] = (struct act_job){.c = {d, (enum act_dir)dir, sz->n, dir == ACT_DIR_BWD_Y ? b->yin : b->x,
                                     dir == ACT_DIR_FWD ? NULL : b->dy, b->out}};
    if (b->o->isa) {
        size_t nk;
        const struct act_kernel *ks = act_kernel_list(&nk);
        for (size_t i = 0; i < nk && njobs < 1 + ACT_ISA_COUNT; i++) {
            const struct act_kernel *k = &ks[i];
            if (k->op != d->op || (int)k->dir != dir || !act_cpu_has(k->isa))
                continue;
            struct act_job *kj = &jobs[njobs];
            *kj = jobs[0];
            act_params_from_desc(d, &kj->p);
            if (dir == ACT_DIR_FWD)
                kj->fwd = (act_fwd_fn)k->fn;
            else
                kj->bwd = (act_bwd_fn)k->fn;
            isa[njobs++] = k->isa;
        }
    }
    for (int i = 0; i < njobs; i++)
        items[count++] = (struct bench_item){act_run, &jobs[i]};

    void *handle[MAX_PEERS];
    int peer_at[MAX_PEERS];
    for (int i = 0; i < b->npeers; i++) {
        const struct bench_peer *pr = b->peers[i].peer;
        enum bench_peer_status st = pr->prepare(&jobs[0].c, &handle[i]);
        peer_at[i] = -1;
        if (st == BENCH_PEER_OK) {
            peer_at[i] = count;
            items[count++] = (struct bench_item){pr->run, handle[i]};
        } else if (st == BENCH_PEER_ERROR) {
            fprintf(b->note, "%s%s failed to set up %s %s (n = %zu): shown as lacking it\n", b->np, pr->name,
                    op->label, dir_names[dir], sz->n);
        }
    }

    struct base_job base_jobs[BENCH_BW_COUNT];
    int base_at[BENCH_BW_COUNT];
    add_baselines(b, dir != ACT_DIR_FWD, sz->n, base_jobs, items, &count, base_at);

    double ns[MAX_ITEMS];
    bench_time(items, count, &b->timing, ns);
    for (int i = 0; i < b->npeers; i++)
        if (peer_at[i] >= 0)
            b->peers[i].peer->destroy(handle[i]);

    double base_ns[BENCH_BW_COUNT], peer_ns[MAX_PEERS], ratio[MAX_PEERS], pct[BENCH_BW_COUNT];
    for (int k = 0; k < BENCH_BW_COUNT; k++)
        base_ns[k] = pick(ns, base_at[k]);
    for (int i = 0; i < b->npeers; i++)
        peer_ns[i] = pick(ns, peer_at[i]), ratio[i] = peer_ns[i] / ns[0];

    emit(b, op->label, "actlab", op, dir, sz, ns[0], ns[0], base_ns, peer_ns);
    for (int i = 1; i < njobs; i++) {
        char label[64], impl[32];
        snprintf(label, sizeof label, "%s/%s", op->label, act_isa_name(isa[i]));
        snprintf(impl, sizeof impl, "actlab_%s", act_isa_name(isa[i]));
        emit(b, label, impl, op, dir, sz, ns[i], ns[0], base_ns, NULL);
    }
    if (b->o->csv)
        for (int i = 0; i < b->npeers; i++)
            if (peer_at[i] >= 0)
                emit(b, b->peers[i].peer->name, b->peers[i].peer->name, op, dir, sz, peer_ns[i], ns[0], base_ns, NULL);
    percents(base_ns, ns[0], pct);
    judge(b, op, dir, sz, pct, ratio);
}

static void run_size(struct bench *b, const struct size_item *sz)
{
    const struct opts *o = b->o;
    measure_baselines(b, sz);
    for (int oi = 0; oi < o->nops; oi++) {
        const struct op_item *op = &o->ops[oi];
        int bwdy = o->dirs[ACT_DIR_BWD_Y] && act_supports_backward_from_output(&op->d);
        if (bwdy)
            act_forward(&op->d, sz->n, b->x, b->yin);
        for (int dir = 0; dir < ACT_DIR_COUNT; dir++)
            if (o->dirs[dir] && (dir != ACT_DIR_BWD_Y || bwdy))
                measure_case(b, op, dir, sz);
    }
}

/* ---- per-channel PReLU ------------------------------------------------------------------ */

/* The shapes timed (rows x channels x inner): a conv layer's activations and a dense layer's. */
static const struct prelu_shape {
    size_t rows, channels, inner;
    const char *label;
} prelu_shapes[] = {{64, 16, 784, "64x16x784"}, {256, 512, 1, "256x512x1"}}, prelu_quick[] = {{2, 3, 5, "2x3x5"}};

static void prelu_act_run(void *ctx)
{
    const struct bench_prelu_case *c = ctx;
    if (c->bwd)
        act_prelu_backward(c->rows, c->channels, c->inner, c->x, c->slope, c->dy, c->out, c->dslope);
    else
        act_prelu_forward(c->rows, c->channels, c->inner, c->x, c->slope, c->out);
}

/* How far a peer's result is from actlab's: outputs whose bits differ, and dslope's largest
 * relative difference. */
static void prelu_compare(const struct bench *b, const char *peer, const struct bench_prelu_case *ours,
                          const struct bench_prelu_case *theirs, const char *shape)
{
    size_t n = ours->rows * ours->channels * ours->inner, diff = 0;
    for (size_t i = 0; i < n; i++)
        diff += memcmp(&ours->out[i], &theirs->out[i], sizeof(float)) != 0;
    double rel = 0;
    for (size_t k = 0; ours->bwd && k < ours->channels; k++) {
        double a = ours->dslope[k], t = theirs->dslope[k];
        double r = a == t ? 0 : fabs(a - t) / fmax(fabs(a), 1e-30);
        rel = r > rel ? r : rel;
    }
    fprintf(b->note, "%s  %-8s %-10s %s: %zu of %zu outputs differ in their bits", b->np, peer, shape,
            ours->bwd ? "bwd" : "fwd", diff, n);
    if (ours->bwd)
        fprintf(b->note, "; dslope largest relative difference %.2g", rel);
    fprintf(b->note, "\n");
}

static void run_prelu(struct bench *b)
{
    const struct opts *o = b->o;
    int want = 0;
    for (int i = 0; i < o->nops; i++)
        want |= o->ops[i].d.op == ACT_OP_PRELU;
    if (!want || !(o->dirs[ACT_DIR_FWD] || o->dirs[ACT_DIR_BWD]))
        return;
    if (o->threads != 1) { /* act_prelu_* run on the calling thread; the peers would not */
        fprintf(b->note, "%sper-channel PReLU is timed with --threads 1 only\n", b->np);
        return;
    }
    const struct prelu_shape *shapes = o->quick ? prelu_quick : prelu_shapes;
    size_t nshapes = o->quick ? 1 : sizeof prelu_shapes / sizeof prelu_shapes[0], max_n = 0, max_c = 0;
    for (size_t s = 0; s < nshapes; s++) {
        size_t n = shapes[s].rows * shapes[s].channels * shapes[s].inner;
        max_n = n > max_n ? n : max_n;
        max_c = shapes[s].channels > max_c ? shapes[s].channels : max_c;
    }
    /* x, dy, slope, then actlab's and each peer's output and dslope */
    size_t per = max_n + max_c, total = 2 * max_n + max_c + (size_t)(1 + b->npeers) * per;
    float *buf = malloc(total * sizeof *buf);
    if (!buf) {
        fprintf(b->note, "%sper-channel PReLU left out: out of memory\n", b->np);
        return;
    }
    float *x = buf, *dy = x + max_n, *slope = dy + max_n, *outs = slope + max_c;
    fill_uniform(x, max_n, -6.0f, 6.0f, 0x27d4eb2fu);
    fill_uniform(dy, max_n, -1.0f, 1.0f, 0x165667b1u);
    fill_uniform(slope, max_c, 0.0f, 0.5f, 0x61c88647u);
    if (!o->csv) {
        printf("\n== per-channel PReLU: act_prelu_forward, act_prelu_backward (dx and dslope), one call on one thread ==\n");
        printf("%-12s %-5s %9s %8s |", "shape", "dir", "el/ns", "GB/s");
        for (int i = 0; i < b->npeers; i++)
            printf(" %8s", b->peers[i].peer->name);
        printf("\n");
    }
    for (size_t s = 0; s < nshapes; s++) {
        const struct prelu_shape *sh = &shapes[s];
        size_t n = sh->rows * sh->channels * sh->inner;
        for (int dir = ACT_DIR_FWD; dir <= ACT_DIR_BWD; dir++) {
            if (!o->dirs[dir])
                continue;
            struct bench_prelu_case cs[1 + MAX_PEERS];
            struct bench_item items[1 + MAX_PEERS];
            void *handle[MAX_PEERS];
            int at[MAX_PEERS], count = 0;
            for (int i = 0; i <= b->npeers; i++)
                cs[i] = (struct bench_prelu_case){sh->rows, sh->channels, sh->inner, dir == ACT_DIR_BWD, x, slope,
                                                  dir == ACT_DIR_BWD ? dy : NULL, outs + (size_t)i * per,
                                                  dir == ACT_DIR_BWD ? outs + (size_t)i * per + max_n : NULL};
            items[count++] = (struct bench_item){prelu_act_run, &cs[0]};
            for (int i = 0; i < b->npeers; i++) {
                const struct bench_peer *pr = b->peers[i].peer;
                at[i] = -1;
                if (pr->prepare_prelu && pr->prepare_prelu(&cs[1 + i], &handle[i]) == BENCH_PEER_OK) {
                    at[i] = count;
                    items[count++] = (struct bench_item){pr->run, handle[i]};
                }
            }
            double ns[1 + MAX_PEERS];
            bench_time(items, count, &b->timing, ns);
            double bytes = bytes_per_el(dir) * (double)n;
            if (o->csv) {
                printf("actlab,prelu_channels,%s,%s,%zu,%d,%.1f,%.4f,%.3f,,,,\n", dir_names[dir], sh->label, n,
                       o->threads, ns[0], (double)n / ns[0], bytes / ns[0]);
                for (int i = 0; i < b->npeers; i++)
                    if (at[i] >= 0)
                        printf("%s,prelu_channels,%s,%s,%zu,%d,%.1f,%.4f,%.3f,,,,%.3f\n", b->peers[i].peer->name,
                               dir_names[dir], sh->label, n, o->threads, ns[at[i]], (double)n / ns[at[i]],
                               bytes / ns[at[i]], ns[at[i]] / ns[0]);
            } else {
                printf("%-12s %-5s %9.3f %8.2f |", sh->label, dir_names[dir], (double)n / ns[0], bytes / ns[0]);
                for (int i = 0; i < b->npeers; i++)
                    if (at[i] >= 0)
                        printf(" %7.2fx", ns[at[i]] / ns[0]);
                    else
                        printf(" %8s", "-");
                printf("\n");
            }
            for (int i = 0; i < b->npeers; i++)
                if (at[i] >= 0) {
                    prelu_compare(b, b->peers[i].peer->name, &cs[0], &cs[1 + i], sh->label);
                    b->peers[i].peer->destroy(handle[i]);
                }
        }
    }
    free(buf);
}

static void print_targets(const struct bench *b)
{
    if (b->o->csv || b->o->quick)
        return;
    if (b->o->threads != 1)
        printf("\ntargets with %d threads (issue: piecewise-linear fwd/bwd out of cache >= 90%% of the nt copy/add run\n"
               "with as many threads; the other targets are single-threaded):\n  %d met, %d missed%s\n",
               b->o->threads, b->met, b->missed, b->missed ? ":" : "");
    else
        printf("\ntargets (issue: piecewise-linear fwd/bwd >= 90%% of the copy/add loop in cache and of the nt loop out of\n"
               "cache, fwd >= xnnpack, bwd >= 5x onednn; others >= 2x onednn, >= xnnpack; PyTorch: bench/torch_act_bench.py):\n"
               "  %d met, %d missed%s\n", b->met, b->missed, b->missed ? ":" : "");
    if (b->misses)
        for (const char *s = b->misses; *s;) {
            const char *nl = strchr(s, '\n');
            printf("  miss: %.*s\n", (int)(nl - s), s);
            s = nl + 1;
        }
}

int cmd_bench(int argc, char **argv)
{
    static struct opts o; /* large: keep it off the stack */
    memset(&o, 0, sizeof o);
    int rc = parse_opts(argc, argv, &o);
    if (rc != CLI_OK || cli_parse_only)
        return rc < 0 ? CLI_OK : rc;

    struct bench b = {.o = &o, .onednn = -1, .xnnpack = -1};
    b.timing.runs = o.runs;
    b.timing.min_run_ns = o.quick ? 0 : MIN_RUN_NS;
    b.timing.interleave = o.threads == 1;
    b.timing.cpu_clock = o.cpu_clock;
    b.note = o.csv ? stderr : stdout;
    b.np = o.csv ? "# " : "";

    size_t max_n = 0;
    for (int i = 0; i < o.nsizes; i++)
        if (o.sizes[i].n > max_n)
            max_n = o.sizes[i].n;
    b.x = alloc_floats(max_n), b.dy = alloc_floats(max_n), b.yin = alloc_floats(max_n), b.out = alloc_floats(max_n);
    if (!b.x || !b.dy || !b.yin || !b.out) {
        cli_error(argv[0], "out of memory for 4 arrays of %zu floats (try smaller --sizes)", max_n);
        rc = CLI_FAIL;
        goto out;
    }
    fill_uniform(b.x, max_n + PAD, -6.0f, 6.0f, 0x9e3779b9u);
    fill_uniform(b.dy, max_n + PAD, -1.0f, 1.0f, 0x85ebca6bu);
    memcpy(b.yin, b.x, (max_n + PAD) * sizeof(float));
    memset(b.out, 0, (max_n + PAD) * sizeof(float));
    if (bench_team_init(o.threads) != 0 || act_set_num_threads(o.threads) != ACT_OK) {
        cli_error(argv[0], "could not start %d threads", o.threads);
        rc = CLI_FAIL;
        goto out;
    }

    for (size_t i = 0; i < bench_peer_slot_count && i < MAX_PEERS; i++) {
        const struct bench_peer *pr = bench_peer_slots[i].peer;
        if (!o.peers[i] || !pr)
            continue;
        struct peer_state *ps = &b.peers[b.npeers];
        ps->peer = pr;
        if (pr->init(o.threads, ps->about, sizeof ps->about) != BENCH_PEER_OK) {
            fprintf(b.note, "%speer %-8s left out: %s\n", b.np, pr->name, ps->about);
            continue;
        }
        if (!strcmp(pr->name, "onednn"))
            b.onednn = b.npeers;
        if (!strcmp(pr->name, "xnnpack"))
            b.xnnpack = b.npeers;
        b.npeers++;
    }

    print_header(&b);
    check_peers(&b);
    if (o.csv)
        printf("impl,op,dir,size,n,threads,ns_per_call,el_per_ns,gb_per_s,pct_loop,pct_memcpy,pct_nt,actlab_over_impl\n");
    else
        printf("\n%%loop %%mcpy %%nt: actlab's speed as a %% of the copy loop, memcpy and non-temporal copy (fwd) or of the\n"
               "add loop c=a+b and its non-temporal form (bwd, bwdy), moving the same bytes; peer columns: how many times\n"
               "faster actlab is (peer time / actlab time); '-': the peer lacks it\n");
    fflush(stdout);
    for (int i = 0; i < o.nsizes; i++) {
        run_size(&b, &o.sizes[i]);
        fflush(stdout);
    }
    run_prelu(&b);
    print_targets(&b);
    for (int i = 0; i < b.npeers; i++)
        b.peers[i].peer->fini();
    bench_team_fini();
out:
    free(b.x), free(b.dy), free(b.yin), free(b.out), free(b.misses);
    return rc;
}
