/*
 * The verdict rules: pure functions from measured metrics to a verdict, exactly as
 * docs/claims.md writes them down. No I/O, no globals; the tests feed them synthetic metrics.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "lab.h"

const char *lab_verdict_str(enum lab_verdict v)
{
    switch (v) {
    case LAB_HOLDS: return "holds";
    case LAB_NOT_HOLD: return "does not hold";
    default: return "inconclusive";
    }
}

struct lab_stat lab_stat_of(const double *x, size_t n)
{
    struct lab_stat s = {NAN, NAN, n, 0};
    if (!n)
        return s;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (isinf(x[i]) && x[i] > 0) {
            s.mean = INFINITY, s.std = 0.0;
            return s;
        }
        sum += x[i];
    }
    s.mean = sum / (double)n;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - s.mean) * (x[i] - s.mean);
    s.std = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
    return s;
}

int lab_compare(struct lab_stat a, struct lab_stat b, double floor)
{
    if (isnan(a.mean) || isnan(b.mean))
        return 0;
    if (isinf(a.mean) || isinf(b.mean))
        return isinf(a.mean) && isinf(b.mean) ? 0 : isinf(a.mean) ? 1 : -1;
    double noise = a.std + b.std > floor ? a.std + b.std : floor;
    double d = a.mean - b.mean;
    return d > noise ? 1 : d < -noise ? -1 : 0;
}

enum lab_verdict lab_combine(const enum lab_verdict *parts, size_t n)
{
    int all = 1;
    for (size_t i = 0; i < n; i++) {
        if (parts[i] == LAB_NOT_HOLD)
            return LAB_NOT_HOLD;
        all = all && parts[i] == LAB_HOLDS;
    }
    return all ? LAB_HOLDS : LAB_INCONCLUSIVE;
}

/* Append printf-style text to why (len bytes, NUL-terminated). */
static void say(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t len, const char *fmt, ...)
{
    if (!why || !len)
        return;
    size_t used = 0;
    while (used < len && why[used])
        used++;
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why + used, len - used, fmt, ap);
    va_end(ap);
}

/* Verdict of a comparison where +1 supports the claim. */
static enum lab_verdict from_cmp(int c)
{
    return c > 0 ? LAB_HOLDS : c < 0 ? LAB_NOT_HOLD : LAB_INCONCLUSIVE;
}

static void clear(char *why, size_t len)
{
    if (why && len)
        why[0] = 0;
}

const char *lab_stat_fmt(struct lab_stat s, int digits, char *buf, size_t len)
{
    if (isnan(s.mean) && s.ndiv)
        snprintf(buf, len, "diverged (%zu of %zu)", s.ndiv, s.n);
    else if (isnan(s.mean))
        snprintf(buf, len, "-");
    else if (isinf(s.mean))
        snprintf(buf, len, "never");
    else if (s.n > 1)
        snprintf(buf, len, "%.*f ± %.*f", digits, s.mean, digits, s.std);
    else
        snprintf(buf, len, "%.*f", digits, s.mean);
    return buf;
}

enum lab_verdict lab_rule_c1(const struct lab_c1_in *in, char *why, size_t len)
{
    clear(why, len);
    double lo = INFINITY, hi = 0.0;
    static const char *const dirs[2] = {"fwd", "bwd"};
    for (int d = 0; d < 2; d++) {
        double rs = in->sigmoid[d] / in->relu[d], rt = in->tanh[d] / in->relu[d];
        if (!(rs > 0) || !(rt > 0))
            return LAB_INCONCLUSIVE;
        lo = fmin(lo, fmin(rs, rt));
        hi = fmax(hi, fmax(rs, rt));
        say(why, len, "%s%s: sigmoid %.2fx, tanh %.2fx relu's time", d ? "; " : "", dirs[d], rs, rt);
    }
    say(why, len, " (in L1; relu cheaper needs every ratio >= %.2f)", LAB_C1_MARGIN);
    if (lo >= LAB_C1_MARGIN)
        return LAB_HOLDS;
    if (lo < 1.0 / LAB_C1_MARGIN)
        return LAB_NOT_HOLD;
    return LAB_INCONCLUSIVE;
}

enum lab_verdict lab_rule_c2(const struct lab_c2_in *in, char *why, size_t len)
{
    clear(why, len);
    enum lab_verdict parts[4];
    size_t np = 0;
    char a[48], b[48];
    for (size_t m = 0; m < in->nmodels && m < 2; m++) {
        const struct lab_stat *others[2] = {&in->tanh[m], &in->sigmoid[m]};
        static const char *const names[2] = {"tanh", "sigmoid"};
        double floor = isinf(in->relu[m].mean) ? 0.0 : LAB_C2_FLOOR_REL * in->relu[m].mean;
        for (int o = 0; o < 2; o++) {
            /* Fewer steps is faster: relu supports the claim when the other needs more. */
            parts[np] = from_cmp(lab_compare(*others[o], in->relu[m], floor));
            say(why, len, "%s%s: %s %s vs relu %s steps (%s)", np ? "; " : "", in->model[m], names[o],
                lab_stat_fmt(*others[o], 0, a, sizeof a), lab_stat_fmt(in->relu[m], 0, b, sizeof b),
                parts[np] == LAB_HOLDS ? "relu faster" : parts[np] == LAB_NOT_HOLD ? "relu slower" : "within noise");
            np++;
        }
    }
    return np ? lab_combine(parts, np) : LAB_INCONCLUSIVE;
}

enum lab_verdict lab_rule_c3(const struct lab_c3_in *in, char *why, size_t len)
{
    clear(why, len);
    enum lab_verdict parts[2];
    if (in->init_sparsity >= 0.4 && in->trained_sparsity >= 0.5)
        parts[0] = LAB_HOLDS;
    else if (in->init_sparsity < 0.3 || in->trained_sparsity < 0.4)
        parts[0] = LAB_NOT_HOLD;
    else
        parts[0] = LAB_INCONCLUSIVE;
    say(why, len, "sparsity %.0f%% at init, %.0f%% trained (%s); ", 100 * in->init_sparsity,
        100 * in->trained_sparsity, lab_verdict_str(parts[0]));
    size_t smaller = 0, larger = 0;
    for (size_t i = 0; i < in->nothers && i < 16; i++) {
        int c = lab_compare(in->other_gap[i], in->relu_gap, LAB_C3_GAP_FLOOR);
        smaller += c > 0;
        larger += c < 0;
    }
    parts[1] = 2 * smaller > in->nothers ? LAB_HOLDS : 2 * larger > in->nothers ? LAB_NOT_HOLD : LAB_INCONCLUSIVE;
    char a[48];
    say(why, len, "relu's train-test gap %s is smaller than %zu and larger than %zu of %zu other activations' "
        "beyond noise (%s)", lab_stat_fmt(in->relu_gap, 3, a, sizeof a), smaller, larger, in->nothers,
        lab_verdict_str(parts[1]));
    return lab_combine(parts, 2);
}

enum lab_verdict lab_rule_c4(const struct lab_c4_in *in, char *why, size_t len)
{
    clear(why, len);
    enum lab_verdict parts[2];
    int bad = 0, good = 1;
    for (size_t i = 0; i < in->ndepths && i < 8; i++) {
        double r = in->relu_ratio[i]; /* NaN: not measured (a failed run), decides nothing */
        good = good && r >= 0.1 && r <= 10.0;
        bad = bad || r < 0.01 || r > 100.0;
        say(why, len, "%sdepth %zu: %.3g", i ? ", " : "relu grad ratio first/last ", in->depth[i], r);
    }
    parts[0] = bad ? LAB_NOT_HOLD : good && in->ndepths ? LAB_HOLDS : LAB_INCONCLUSIVE;
    double l = in->relu_deep_loss;
    parts[1] = l < 0.8 * LAB_CHANCE_LOSS ? LAB_HOLDS : !(l <= 0.95 * LAB_CHANCE_LOSS) ? LAB_NOT_HOLD : LAB_INCONCLUSIVE;
    say(why, len, " (%s); 20-layer relu loss after one epoch %.3f vs chance %.3f (%s)", lab_verdict_str(parts[0]), l,
        LAB_CHANCE_LOSS, parts[1] == LAB_HOLDS ? "trains" : parts[1] == LAB_NOT_HOLD ? "stalls" : "unclear");
    return lab_combine(parts, 2);
}

enum lab_verdict lab_rule_he_xavier(double he_loss, double xavier_loss, char *why, size_t len)
{
    clear(why, len);
    int he_trains = he_loss < 0.8 * LAB_CHANCE_LOSS, he_stalls = !(he_loss <= 0.95 * LAB_CHANCE_LOSS);
    int xa_trains = xavier_loss < 0.8 * LAB_CHANCE_LOSS, xa_stalls = !(xavier_loss <= 0.95 * LAB_CHANCE_LOSS);
    say(why, len, "30-layer relu loss after one epoch: He init %.3f (%s), Xavier %.3f (%s)", he_loss,
        he_trains ? "trains" : he_stalls ? "stalls" : "unclear", xavier_loss,
        xa_trains ? "trains" : xa_stalls ? "stalls" : "unclear");
    if (he_trains && xa_stalls)
        return LAB_HOLDS;
    if (he_stalls || xa_trains)
        return LAB_NOT_HOLD;
    return LAB_INCONCLUSIVE;
}

/* Per model: +1 when a beats b beyond the accuracy floor; combined over models. */
static enum lab_verdict acc_pairs(size_t nmodels, const char *const *model, const struct lab_stat *a,
                                  const struct lab_stat *b, const char *an, const char *bn, char *why, size_t len)
{
    enum lab_verdict parts[2];
    size_t n = nmodels < 2 ? nmodels : 2;
    char x[48], y[48];
    for (size_t m = 0; m < n; m++) {
        parts[m] = from_cmp(lab_compare(a[m], b[m], LAB_ACC_FLOOR));
        say(why, len, "%s%s: %s %s vs %s %s", m ? "; " : "", model[m], an, lab_stat_fmt(a[m], 4, x, sizeof x), bn,
            lab_stat_fmt(b[m], 4, y, sizeof y));
    }
    return n ? lab_combine(parts, n) : LAB_INCONCLUSIVE;
}

enum lab_verdict lab_rule_c5(const struct lab_c5_in *in, char *why, size_t len)
{
    clear(why, len);
    return acc_pairs(in->nmodels, in->model, in->relu, in->identity, "relu", "identity", why, len);
}

enum lab_verdict lab_rule_c6(const struct lab_c6_in *in, char *why, size_t len)
{
    clear(why, len);
    static const char *const acts[4] = {"relu", "leaky_relu", "prelu", "elu"};
    enum lab_verdict parts[3];
    size_t worst = 0; /* the condition where relu's dead fraction is larger; a NaN one (all runs
                       * diverged) only if both are */
    for (size_t c = 1; c < in->nconds && c < 2; c++)
        if (isnan(in->dead[worst][0].mean) || in->dead[c][0].mean > in->dead[worst][0].mean)
            worst = c;
    double d = in->nconds ? in->dead[worst][0].mean : NAN;
    parts[0] = d >= 0.05 ? LAB_HOLDS : d < 0.01 ? LAB_NOT_HOLD : LAB_INCONCLUSIVE;
    say(why, len, "relu dead fraction %.1f%% (%s; dies: %s)", 100 * d, in->nconds ? in->cond[worst] : "-",
        lab_verdict_str(parts[0]));
    int all = 1, any = 0;
    for (int v = 1; v < 4; v++) {
        int c = lab_compare(in->dead[worst][0], in->dead[worst][v], LAB_C6_DEAD_FLOOR);
        all = all && c > 0;
        any = any || c < 0;
        say(why, len, ", %s %.1f%%", acts[v], 100 * in->dead[worst][v].mean);
    }
    parts[1] = all ? LAB_HOLDS : any ? LAB_NOT_HOLD : LAB_INCONCLUSIVE;
    say(why, len, " (variants die less: %s)", lab_verdict_str(parts[1]));
    if (in->relu_ever_dead < 10)
        parts[2] = LAB_INCONCLUSIVE;
    else {
        double f = (double)in->relu_revived / (double)in->relu_ever_dead;
        parts[2] = f <= 0.01 ? LAB_HOLDS : f > 0.05 ? LAB_NOT_HOLD : LAB_INCONCLUSIVE;
    }
    say(why, len, "; %zu of %zu relu units that were dead at a check (init or after an epoch) came back (never come back: %s)",
        in->relu_revived, in->relu_ever_dead, lab_verdict_str(parts[2]));
    return lab_combine(parts, 3);
}

enum lab_verdict lab_rule_c7(const struct lab_c7_in *in, char *why, size_t len)
{
    clear(why, len);
    enum lab_verdict parts[2];
    char a[48], b[48];
    parts[0] = from_cmp(lab_compare(in->relu_absmean, in->elu_absmean, LAB_C7_MEAN_FLOOR));
    say(why, len, "mean |layer mean|: relu %s, elu %s (elu closer to 0: %s)", lab_stat_fmt(in->relu_absmean, 3, a, sizeof a),
        lab_stat_fmt(in->elu_absmean, 3, b, sizeof b), lab_verdict_str(parts[0]));
    double floor = isinf(in->relu_steps.mean) ? 0.0 : LAB_C2_FLOOR_REL * in->relu_steps.mean;
    parts[1] = from_cmp(lab_compare(in->relu_steps, in->elu_steps, floor));
    say(why, len, "; steps to target: relu %s, elu %s (elu faster: %s)", lab_stat_fmt(in->relu_steps, 0, a, sizeof a),
        lab_stat_fmt(in->elu_steps, 0, b, sizeof b), lab_verdict_str(parts[1]));
    return lab_combine(parts, 2);
}

enum lab_verdict lab_rule_c8(const struct lab_c8_in *in, char *why, size_t len)
{
    clear(why, len);
    static const char *const vn[3] = {"leaky_relu", "prelu", "elu"};
    enum lab_verdict parts[2];
    size_t n = in->nmodels < 2 ? in->nmodels : 2;
    char a[48], b[48];
    for (size_t m = 0; m < n; m++) {
        int best = 0, all_worse = 1; /* best: the highest mean (a NaN one, all seeds diverged, last) */
        for (int v = 0; v < 3; v++) {
            if (isnan(in->variant[m][best].mean) || in->variant[m][v].mean > in->variant[m][best].mean)
                best = v;
            all_worse = all_worse && lab_compare(in->variant[m][v], in->relu[m], LAB_ACC_FLOOR) < 0;
        }
        int c = lab_compare(in->variant[m][best], in->relu[m], LAB_ACC_FLOOR);
        parts[m] = c > 0 ? LAB_HOLDS : all_worse ? LAB_NOT_HOLD : LAB_INCONCLUSIVE;
        say(why, len, "%s%s: best variant %s %s vs relu %s (%s)", m ? "; " : "", in->model[m], vn[best],
            lab_stat_fmt(in->variant[m][best], 4, a, sizeof a), lab_stat_fmt(in->relu[m], 4, b, sizeof b),
            c > 0 ? "better" : all_worse ? "all variants worse" : "within noise");
    }
    return n ? lab_combine(parts, n) : LAB_INCONCLUSIVE;
}

enum lab_verdict lab_rule_c9(const struct lab_c9_in *in, char *why, size_t len)
{
    clear(why, len);
    double noise = in->relu.std > 0.003 ? in->relu.std : 0.003;
    char a[48];
    say(why, len, "relu CNN test accuracy %s vs %.3f", lab_stat_fmt(in->relu, 4, a, sizeof a), in->reference);
    if (isnan(in->relu.mean)) {
        say(why, len, " (no accuracy to compare)");
        return LAB_INCONCLUSIVE;
    }
    if (in->relu.mean >= in->reference - noise)
        return LAB_HOLDS;
    if (in->full && in->relu.mean < in->reference - noise) {
        say(why, len, " (short by %.3f on the full protocol)", in->reference - in->relu.mean);
        return LAB_NOT_HOLD;
    }
    say(why, len, " (short on a reduced protocol: subset, few epochs)");
    return LAB_INCONCLUSIVE;
}
