/*
 * A run's identity and its saved file, so a long `actlab claims --full` can be completed over
 * several sittings: the run's name, its key (everything its result depends on: the config, the
 * protocol's settings it trains under, the data, the engine), and DIR/runs/<name>.run, which
 * holds the key and every field of struct lab_run the claims read.
 *
 * The file is text, one record per line:
 *
 *   actlab-lab-run 1                  format and its version
 *   name mlp-relu-lr0.02-s1-e3        the key, "word value" per line: config, protocol, data, engine
 *   ...
 *   result params=... diverged=... nepochs=E nchunks=Q steps_to_target=... ...
 *   epoch=0 nacts=K train_loss=... ...   E + 1 of these, each followed by its K layer lines
 *   layer=0 sparsity=... dead=... mean=... std=... grad_norm=... slope=...
 *   chunk=0 step=... loss=... err=... secs=...   Q of these
 *   end fnv1a64=<16 hex digits>       FNV-1a 64 of every byte before this line
 *
 * Doubles are printed with %.17g (exact round trip, "inf", "-inf", "-0"); NaN is "nan" or
 * "-nan" for the two default quiet NaNs and "nan:<16 hex digits of its bits>" otherwise, so
 * every value comes back bit for bit. A file is used only if its key is byte-identical to the
 * run's, its checksum matches and every record parses and is consistent; anything else (a
 * truncated or corrupt file, another protocol, another format version) is ignored, and the run
 * is trained again and the file replaced. Files are written to a temporary name, synced and
 * renamed, so a kill mid-write leaves the old file or none, never half of one.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actlab/act.h"
#include "lab.h"

#define RUN_FILE_MAGIC "actlab-lab-run"
#define RUN_FILE_VERSION 1
#define RUN_FILE_MAX ((size_t)64 << 20) /* far above any run's file (a --full MLP run: ~200 KB) */

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull
#define NAN_POS 0x7ff8000000000000ull /* the bits of NAN */
#define NAN_NEG 0xfff8000000000000ull /* x86's default NaN (0/0, inf - inf) */

static size_t limit(size_t want, size_t have)
{
    return want && want < have ? want : have;
}

const char *lab_model_name(enum lab_model m)
{
    return m == LAB_MLP ? "mlp" : "cnn";
}

size_t lab_train_n(const struct lab *L, enum lab_model m)
{
    return limit(L->p.train_n[m], L->train.n);
}

size_t lab_test_n(const struct lab *L)
{
    return limit(L->p.test_n, L->test.n);
}

size_t lab_run_train_n(const struct lab *L, const struct lab_run_cfg *c)
{
    return c->deep ? limit(L->p.deep_train_n, L->train.n) : lab_train_n(L, c->model);
}

const char *lab_run_spec(const struct lab *L, const struct lab_run_cfg *c, char *buf, size_t len)
{
    if (!c->deep)
        return L->p.spec[c->model];
    snprintf(buf, len, "deep-mlp:depth=%zu,width=%zu", c->depth, L->p.deep_width);
    return buf;
}

static const char *init_name(enum nn_init i)
{
    static const char *const names[] = {"auto", "he", "he_uniform", "xavier_normal", "xavier", "lecun",
                                        "lecun_uniform", "zeros"};
    return (size_t)i < sizeof names / sizeof names[0] ? names[i] : "?";
}

void lab_run_name(const struct lab_run_cfg *c, char *buf, size_t len)
{
    char act[48];
    size_t j = 0;
    for (const char *s = c->act; *s && j + 1 < sizeof act; s++)
        act[j++] = (*s == ':' || *s == ',' || *s == '=') ? '_' : *s;
    act[j] = 0;
    int w = c->deep ? snprintf(buf, len, "deep%zu-%s-lr%g-s%llu", c->depth, act, c->lr, (unsigned long long)c->seed)
                    : snprintf(buf, len, "%s-%s-lr%g-s%llu", lab_model_name(c->model), act, c->lr,
                               (unsigned long long)c->seed);
    if (w > 0 && (size_t)w < len && c->epochs)
        w += snprintf(buf + w, len - (size_t)w, "-e%zu", c->epochs);
    if (w > 0 && (size_t)w < len && c->init != NN_INIT_AUTO)
        w += snprintf(buf + w, len - (size_t)w, "-%s", init_name(c->init));
    if (w > 0 && (size_t)w < len && c->bias != 0.0)
        snprintf(buf + w, len - (size_t)w, "-bias%g", c->bias);
}

/* FNV-1a over 8-byte words (the bytes of a short tail one by one): fast enough for the 190 MB
 * of training images, and not meant to resist anyone. */
static uint64_t hash_words(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (; n >= 8; b += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        h = (h ^ w) * FNV_PRIME;
    }
    for (; n; b++, n--)
        h = (h ^ *b) * FNV_PRIME;
    return h;
}

/* FNV-1a over bytes: the checksum of a run file. */
static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * FNV_PRIME;
    return h;
}

uint64_t lab_data_id(const struct nn_dataset *train, const struct nn_dataset *test)
{
    uint64_t h = FNV_OFFSET;
    const struct nn_dataset *d[2] = {train, test};
    for (int i = 0; i < 2; i++) {
        uint64_t dims[5] = {d[i]->n, d[i]->shape.c, d[i]->shape.h, d[i]->shape.w, d[i]->classes};
        h = hash_words(h, dims, sizeof dims);
        if (d[i]->x)
            h = hash_words(h, d[i]->x, d[i]->n * nn_shape_size(d[i]->shape) * sizeof *d[i]->x);
        if (d[i]->y)
            h = hash_words(h, d[i]->y, d[i]->n);
    }
    return h;
}

/* A double that reads back bit for bit (see the file comment). */
static void put_d(FILE *f, const char *name, double x)
{
    fprintf(f, " %s=", name);
    uint64_t b;
    memcpy(&b, &x, 8);
    if (!isnan(x))
        fprintf(f, "%.17g", x);
    else if (b == NAN_POS || b == NAN_NEG)
        fputs(b == NAN_POS ? "nan" : "-nan", f);
    else
        fprintf(f, "nan:%016" PRIx64, b);
}

int lab_run_key(const struct lab *L, const struct lab_run_cfg *c, char *buf, size_t len)
{
    char name[160], spec[128];
    lab_run_name(c, name, sizeof name);
    const struct lab_protocol *p = &L->p;
    int w = snprintf(buf, len,
                     RUN_FILE_MAGIC " %d\n"
                     "name %s\n"
                     "model %s\n"
                     "act %s\n"
                     "lr %.17g\n"
                     "seed %llu\n"
                     "epochs %zu\n"
                     "init %s\n"
                     "bias %.17g\n"
                     "deep %d\n"
                     "depth %zu\n"
                     "spec %s\n"
                     "train_n %zu\n"
                     "test_n %zu\n"
                     "probe_n %zu\n"
                     "batch %zu\n"
                     "chunk_steps %zu\n"
                     "momentum %.17g\n"
                     "target_err %.17g\n"
                     "data %zux%zux%zux%zu+%zu classes %zu fnv1a64 %016" PRIx64 "\n"
                     "engine actlab %d.%d.%d isa %s\n",
                     RUN_FILE_VERSION, name, lab_model_name(c->model), c->act, c->lr, (unsigned long long)c->seed,
                     c->epochs, init_name(c->init), c->bias, c->deep, c->depth, lab_run_spec(L, c, spec, sizeof spec),
                     lab_run_train_n(L, c), lab_test_n(L), limit(p->probe_n, lab_run_train_n(L, c)), p->batch,
                     p->chunk_steps, p->momentum, p->target_err, L->train.n, L->train.shape.c, L->train.shape.h,
                     L->train.shape.w, L->test.n, L->train.classes, L->data_id, ACTLAB_VERSION_MAJOR,
                     ACTLAB_VERSION_MINOR, ACTLAB_VERSION_PATCH, act_isa());
    return w > 0 && (size_t)w < len ? w : -1;
}

static void run_path(const struct lab *L, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/runs/%s.run", L->out, name);
}

/* The file's text (key, results, end line) into *text (malloc'd), its length into *n. */
static int run_text(const struct lab *L, const struct lab_run *r, char **text, size_t *n)
{
    char key[4096];
    if (lab_run_key(L, &r->cfg, key, sizeof key) < 0)
        return -1;
    FILE *f = open_memstream(text, n);
    if (!f)
        return -1;
    fputs(key, f);
    fprintf(f, "result params=%zu diverged=%d nepochs=%zu nchunks=%zu", r->params, r->diverged, r->nepochs, r->nchunks);
    put_d(f, "steps_to_target", r->steps_to_target);
    put_d(f, "secs_to_target", r->secs_to_target);
    put_d(f, "train_acc", r->train_acc);
    fprintf(f, " ever_dead=%zu revived=%zu\n", r->ever_dead, r->revived);
    for (size_t e = 0; e <= r->nepochs; e++) {
        const struct lab_epoch *ep = &r->ep[e];
        fprintf(f, "epoch=%zu nacts=%zu", e, ep->nacts);
        put_d(f, "train_loss", ep->train_loss);
        put_d(f, "train_err", ep->train_err);
        put_d(f, "test_loss", ep->test_loss);
        put_d(f, "test_acc", ep->test_acc);
        put_d(f, "seconds", ep->seconds);
        fputc('\n', f);
        for (size_t k = 0; k < ep->nacts; k++) {
            fprintf(f, "layer=%zu", k);
            put_d(f, "sparsity", ep->sparsity[k]);
            put_d(f, "dead", ep->dead[k]);
            put_d(f, "mean", ep->mean[k]);
            put_d(f, "std", ep->std[k]);
            put_d(f, "grad_norm", ep->grad_norm[k]);
            put_d(f, "slope", ep->slope[k]);
            fputc('\n', f);
        }
    }
    for (size_t q = 0; q < r->nchunks; q++) {
        fprintf(f, "chunk=%zu", q);
        put_d(f, "step", r->chunk_step[q]);
        put_d(f, "loss", r->chunk_loss[q]);
        put_d(f, "err", r->chunk_err[q]);
        put_d(f, "secs", r->chunk_secs[q]);
        fputc('\n', f);
    }
    if (fflush(f) != 0) {
        fclose(f);
        free(*text);
        *text = NULL;
        return -1;
    }
    uint64_t h = hash_bytes(*text, *n);
    fprintf(f, "end fnv1a64=%016" PRIx64 "\n", h);
    if (fclose(f) != 0) {
        free(*text);
        *text = NULL;
        return -1;
    }
    return 0;
}

int lab_run_save(struct lab *L, const struct lab_run *r)
{
    char path[4096], tmp[4200];
    run_path(L, r->name, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    char *text = NULL;
    size_t n = 0;
    if (r->nepochs > LAB_MAX_EPOCHS || run_text(L, r, &text, &n) != 0) {
        snprintf(L->err, sizeof L->err, "cannot save run %s: out of memory or bad run", r->name);
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644), ok = fd >= 0;
    for (size_t done = 0; ok && done < n;) {
        ssize_t w = write(fd, text + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        done += ok ? (size_t)w : 0;
    }
    int err = errno;
    /* Synced before the rename: after a crash the name holds the old file or the whole new one. */
    ok = ok && fsync(fd) == 0;
    err = ok ? err : errno;
    if (fd >= 0 && close(fd) != 0 && ok)
        ok = 0, err = errno;
    ok = ok && rename(tmp, path) == 0;
    err = ok ? err : errno;
    free(text);
    if (!ok) {
        unlink(tmp);
        snprintf(L->err, sizeof L->err, "cannot write %s: %s", path, strerror(err));
        return -1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/runs", L->out);
    int dfd = open(dir, O_RDONLY);
    if (dfd >= 0) { /* make the rename itself durable; not fatal where directories cannot be synced */
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* ---- reading ------------------------------------------------------------------------------ */

/* A double as put_d writes it, the whole of s. */
static int parse_d(const char *s, double *out)
{
    uint64_t b;
    if (!strcmp(s, "nan") || !strcmp(s, "-nan")) {
        b = s[0] == '-' ? NAN_NEG : NAN_POS;
        memcpy(out, &b, 8);
        return 1;
    }
    if (!strncmp(s, "nan:", 4)) {
        char *end;
        if (strlen(s + 4) != 16 || !strchr("0123456789abcdef", s[4]))
            return 0;
        errno = 0;
        b = strtoull(s + 4, &end, 16);
        memcpy(out, &b, 8);
        return !errno && !*end && isnan(*out);
    }
    if (!strcmp(s, "inf") || !strcmp(s, "-inf")) {
        *out = s[0] == '-' ? -INFINITY : INFINITY;
        return 1;
    }
    /* Only what %.17g writes: no hex, no "infinity", no spaces. */
    if (!*s || strspn(s, "-+.0123456789e") != strlen(s))
        return 0;
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return !*end && (errno == 0 || errno == ERANGE) && !isnan(*out);
}

/* A decimal size_t, the whole of s. */
static int parse_z(const char *s, size_t *out)
{
    if (!*s || !strchr("0123456789", s[0]) || strlen(s) > 19)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    *out = (size_t)v;
    return !*end && !errno && v <= SIZE_MAX;
}

/* The reader: a cursor over the (NUL-terminated, writable) records after the key. */
struct reader {
    char *p;
    char *s; /* the rest of the current line */
};

/* Next line into r->s; 0 at the end. */
static int next_line(struct reader *r)
{
    if (!*r->p)
        return 0;
    char *nl = strchr(r->p, '\n');
    if (!nl)
        return 0;
    *nl = 0;
    r->s = r->p;
    r->p = nl + 1;
    return 1;
}

/* The value of the next token "name=value" of the line, or NULL. */
static const char *tok(struct reader *r, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(r->s, name, n) || r->s[n] != '=')
        return NULL;
    char *v = r->s + n + 1, *sp = strchr(v, ' ');
    if (sp) {
        *sp = 0;
        r->s = sp + 1;
    } else {
        r->s = v + strlen(v);
    }
    return v;
}

static int tok_d(struct reader *r, const char *name, double *out)
{
    const char *v = tok(r, name);
    return v && parse_d(v, out);
}

static int tok_z(struct reader *r, const char *name, size_t *out)
{
    const char *v = tok(r, name);
    return v && parse_z(v, out);
}

/* "name=want" exactly. */
static int tok_idx(struct reader *r, const char *name, size_t want)
{
    size_t v;
    return tok_z(r, name, &v) && v == want;
}

/* The records after the key into run (cfg and name set, chunk arrays NULL); 0 or -1. */
static int parse_results(struct reader *rd, struct lab_run *r, size_t file_size)
{
    size_t div;
    if (!next_line(rd) || strncmp(rd->s, "result ", 7))
        return -1;
    rd->s += 7;
    if (!tok_z(rd, "params", &r->params) || !tok_z(rd, "diverged", &div) || div > 1 ||
        !tok_z(rd, "nepochs", &r->nepochs) || !tok_z(rd, "nchunks", &r->nchunks) ||
        !tok_d(rd, "steps_to_target", &r->steps_to_target) || !tok_d(rd, "secs_to_target", &r->secs_to_target) ||
        !tok_d(rd, "train_acc", &r->train_acc) || !tok_z(rd, "ever_dead", &r->ever_dead) ||
        !tok_z(rd, "revived", &r->revived) || *rd->s)
        return -1;
    r->diverged = (int)div;
    /* A finished run trained every epoch; a diverged one stopped at the epoch it diverged in. */
    if (r->nepochs > r->cfg.epochs || r->nepochs > LAB_MAX_EPOCHS || (!r->diverged && r->nepochs != r->cfg.epochs) ||
        r->revived > r->ever_dead || r->nchunks > file_size / 16)
        return -1;
    for (size_t e = 0; e <= r->nepochs; e++) {
        struct lab_epoch *ep = &r->ep[e];
        if (!next_line(rd) || !tok_idx(rd, "epoch", e) || !tok_z(rd, "nacts", &ep->nacts) ||
            ep->nacts > LAB_MAX_ACTS || !tok_d(rd, "train_loss", &ep->train_loss) ||
            !tok_d(rd, "train_err", &ep->train_err) || !tok_d(rd, "test_loss", &ep->test_loss) ||
            !tok_d(rd, "test_acc", &ep->test_acc) || !tok_d(rd, "seconds", &ep->seconds) || *rd->s)
            return -1;
        for (size_t k = 0; k < ep->nacts; k++)
            if (!next_line(rd) || !tok_idx(rd, "layer", k) || !tok_d(rd, "sparsity", &ep->sparsity[k]) ||
                !tok_d(rd, "dead", &ep->dead[k]) || !tok_d(rd, "mean", &ep->mean[k]) ||
                !tok_d(rd, "std", &ep->std[k]) || !tok_d(rd, "grad_norm", &ep->grad_norm[k]) ||
                !tok_d(rd, "slope", &ep->slope[k]) || *rd->s)
                return -1;
    }
    size_t n = r->nchunks ? r->nchunks : 1;
    if (!(r->chunk_step = malloc(n * sizeof(double))) || !(r->chunk_loss = malloc(n * sizeof(double))) ||
        !(r->chunk_err = malloc(n * sizeof(double))) || !(r->chunk_secs = malloc(n * sizeof(double))))
        return -1;
    for (size_t q = 0; q < r->nchunks; q++)
        if (!next_line(rd) || !tok_idx(rd, "chunk", q) || !tok_d(rd, "step", &r->chunk_step[q]) ||
            !tok_d(rd, "loss", &r->chunk_loss[q]) || !tok_d(rd, "err", &r->chunk_err[q]) ||
            !tok_d(rd, "secs", &r->chunk_secs[q]) || *rd->s)
            return -1;
    return next_line(rd) ? -1 : 0; /* nothing may follow the chunks */
}

/* Why a key differs from the file's: the word of the first line that differs. */
static void key_diff(const char *key, const char *file, size_t file_len, char *why, size_t len)
{
    size_t i = 0, line = 0;
    while (key[i] && i < file_len && key[i] == file[i]) {
        if (key[i] == '\n')
            line = i + 1;
        i++;
    }
    size_t w = strcspn(key + line, " \n");
    if (line == 0)
        snprintf(why, len, "not a run file of this format version");
    else
        snprintf(why, len, "saved with another %.*s", (int)w, key + line);
}

void lab_run_free(struct lab_run *r)
{
    if (!r)
        return;
    free(r->chunk_step);
    free(r->chunk_loss);
    free(r->chunk_err);
    free(r->chunk_secs);
    free(r);
}

struct lab_run *lab_run_load(const struct lab *L, const struct lab_run_cfg *c, char *why, size_t why_len)
{
    char name[160], path[4096], key[4096];
    lab_run_name(c, name, sizeof name);
    run_path(L, name, path, sizeof path);
    snprintf(why, why_len, "%s", "");
    int klen = lab_run_key(L, c, key, sizeof key);
    if (klen < 0) {
        snprintf(why, why_len, "config too long to key");
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno != ENOENT)
            snprintf(why, why_len, "cannot read it: %s", strerror(errno));
        return NULL; /* no file: why stays empty */
    }
    struct stat st;
    char *buf = NULL;
    size_t n = 0;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > RUN_FILE_MAX) {
        snprintf(why, why_len, "not a regular file of at most %zu bytes", RUN_FILE_MAX);
    } else if (!(buf = malloc((size_t)st.st_size + 1))) {
        snprintf(why, why_len, "out of memory");
    } else {
        n = fread(buf, 1, (size_t)st.st_size, f);
        if (n != (size_t)st.st_size || ferror(f))
            snprintf(why, why_len, "cannot read it");
    }
    fclose(f);
    struct lab_run *r = NULL;
    if (why[0] || !buf)
        goto fail;
    buf[n] = 0;
    /* The end line: "end fnv1a64=<16 hex>\n", the checksum of every byte before it. */
    static const char endw[] = "end fnv1a64=";
    size_t endlen = sizeof endw - 1 + 16 + 1;
    char hex[17];
    if (memchr(buf, 0, n) || n < endlen || buf[n - 1] != '\n' || (n > endlen && buf[n - endlen - 1] != '\n') ||
        memcmp(buf + n - endlen, endw, sizeof endw - 1)) {
        snprintf(why, why_len, "truncated or corrupt: no end line");
        goto fail;
    }
    snprintf(hex, sizeof hex, "%016" PRIx64, hash_bytes(buf, n - endlen));
    if (memcmp(buf + n - 17, hex, 16)) {
        snprintf(why, why_len, "corrupt: checksum mismatch");
        goto fail;
    }
    if (n - endlen < (size_t)klen || memcmp(buf, key, (size_t)klen)) {
        key_diff(key, buf, n - endlen, why, why_len);
        goto fail;
    }
    buf[n - endlen] = 0; /* the records end where the end line starts */
    if (!(r = calloc(1, sizeof *r))) {
        snprintf(why, why_len, "out of memory");
        goto fail;
    }
    r->cfg = *c;
    snprintf(r->name, sizeof r->name, "%s", name);
    struct reader rd = {buf + klen, NULL};
    if (parse_results(&rd, r, n) != 0) {
        snprintf(why, why_len, "corrupt: bad or missing records");
        goto fail;
    }
    free(buf);
    return r;
fail:
    lab_run_free(r);
    free(buf);
    return NULL;
}
