/*
 * Spec strings: "name" or "name:key=value[,key=value...]" <-> struct act_desc.
 * Parsing is strict (lower-case names, each key once, finite float values) and
 * all-or-nothing: on error the caller's descriptor is left untouched.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Longest accepted spec; anything longer is not a spec we wrote. */
#define SPEC_MAX 1024

static int find_op(const char *name, size_t len, enum act_op *op)
{
    for (int i = 0; i < ACT_OP_COUNT; i++) {
        const char *nm = act_op_def((enum act_op)i)->info.name;
        if (strlen(nm) == len && !memcmp(nm, name, len)) {
            *op = (enum act_op)i;
            return 1;
        }
    }
    return 0;
}

/* A finite float written as a whole token [s, s+len): no spaces, no trailing junk, no overflow. */
static int parse_float(const char *s, size_t len, float *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (!(buf[0] == '-' || buf[0] == '+' || buf[0] == '.' || (buf[0] >= '0' && buf[0] <= '9')))
        return 0;
    char *end;
    errno = 0;
    float v = strtof(buf, &end);
    if (*end != '\0' || !isfinite(v))
        return 0;
    if (errno == ERANGE && fabsf(v) >= 1.0f) /* overflow; underflow to a subnormal is fine */
        return 0;
    *out = v;
    return 1;
}

ACT_API enum act_status act_parse(const char *spec, struct act_desc *d)
{
    if (!spec || !d)
        return ACT_ERR_INVALID_ARG;
    size_t total = 0;
    while (total <= SPEC_MAX && spec[total])
        total++;
    if (total == 0 || total > SPEC_MAX)
        return ACT_ERR_INVALID_ARG;

    const char *colon = strchr(spec, ':');
    size_t name_len = colon ? (size_t)(colon - spec) : total;
    enum act_op op;
    if (!find_op(spec, name_len, &op))
        return ACT_ERR_INVALID_ARG;
    const struct act_op_def *def = act_op_def(op);

    struct act_desc nd;
    act_desc_init(&nd, op);
    int seen[ACT_MAX_PARAMS] = {0};
    if (colon) {
        const char *s = colon + 1;
        if (*s == '\0') /* "relu:" */
            return ACT_ERR_INVALID_ARG;
        for (;;) {
            const char *comma = strchr(s, ',');
            size_t item_len = comma ? (size_t)(comma - s) : strlen(s);
            const char *eq = memchr(s, '=', item_len);
            if (!eq)
                return ACT_ERR_INVALID_ARG;
            size_t key_len = (size_t)(eq - s);
            int k = -1;
            for (int i = 0; i < def->nparams; i++)
                if (strlen(def->params[i].key) == key_len && !memcmp(def->params[i].key, s, key_len))
                    k = i;
            if (k < 0 || seen[k])
                return ACT_ERR_INVALID_ARG;
            seen[k] = 1;
            if (!parse_float(eq + 1, item_len - key_len - 1, act_param_ptr(&nd, &def->params[k])))
                return ACT_ERR_INVALID_ARG;
            if (!comma)
                break;
            s = comma + 1; /* a trailing comma leaves an empty item, which has no '=' */
        }
    }
    if (act_desc_check(&nd) != ACT_OK) /* also catches threshold's missing required values (NaN) */
        return ACT_ERR_INVALID_ARG;
    *d = nd;
    return ACT_OK;
}

/*
 * v with the fewest significant digits that read back (strtof) as exactly v; of the two
 * spellings of those digits, %g's and a plain integer (when the digits make one), the
 * shorter: "20" rather than "2e+01", "-42561910" rather than "-4.256191e+07".
 */
static void shortest_float(float v, char *buf, size_t len)
{
    char cand[48];
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(cand, sizeof cand, "%.*g", prec, (double)v);
        float back = strtof(cand, NULL);
        if (back == v && signbit(back) == signbit(v))
            break;
    }
    double digits = strtod(cand, NULL); /* v rounded to those digits, exactly */
    char plain[48];
    if (fabs(digits) < 1e15 && digits == floor(digits) && !(digits == 0 && signbit(digits))) {
        snprintf(plain, sizeof plain, "%.0f", digits);
        if (strlen(plain) < strlen(cand))
            snprintf(cand, sizeof cand, "%s", plain);
    }
    snprintf(buf, len, "%s", cand);
}

ACT_API int act_format(const struct act_desc *d, char *buf, size_t len)
{
    if (act_desc_check(d) != ACT_OK || (!buf && len > 0))
        return -1;
    const struct act_op_def *def = act_op_def(d->op);
    char tmp[256];
    size_t used = (size_t)snprintf(tmp, sizeof tmp, "%s", def->info.name);
    for (int i = 0; i < def->nparams; i++) {
        char num[32];
        shortest_float(*act_param_ptr((struct act_desc *)d, &def->params[i]), num, sizeof num);
        used += (size_t)snprintf(tmp + used, sizeof tmp - used, "%c%s=%s", i == 0 ? ':' : ',', def->params[i].key, num);
    }
    return snprintf(buf, len, "%s", tmp);
}
