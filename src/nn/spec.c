/*
 * Model spec strings: presets expand to a layer list, the layer list is parsed
 * into struct nn_layer hyper-parameters (shapes are filled by model.c).
 * Grammar (docs/engine.md):
 *   spec   := preset | layer (';' layer)*
 *   layer  := name [':' args]    args := value | key=value (',' key=value)*
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

static void seterr(char *err, size_t len, const char *fmt, const char *a)
{
    if (err && len)
        snprintf(err, len, fmt, a);
}

/* Parse a positive integer; 0 on error. */
static size_t parse_size(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v == 0 || v > 1000000)
        return 0;
    return (size_t)v;
}

/* Expand a preset into a layer list in buf; returns 1 if spec names a preset, -1 on a bad preset. */
static int expand_preset(const char *spec, size_t classes, char *buf, size_t len, char *err, size_t errlen)
{
    if (!strcmp(spec, "mlp")) {
        snprintf(buf, len, "flatten;dense:256;act;dense:256;act;dense:%zu", classes);
        return 1;
    }
    if (!strcmp(spec, "cnn")) {
        snprintf(buf, len,
                 "conv:32,k=5,pad=2;act;maxpool:2;conv:64,k=5,pad=2;act;maxpool:2;flatten;dense:256;act;dense:%zu",
                 classes);
        return 1;
    }
    if (!strcmp(spec, "lenet5")) {
        snprintf(buf, len,
                 "conv:6,k=5,pad=2;act;avgpool:2;conv:16,k=5;act;avgpool:2;flatten;dense:120;act;dense:84;act;"
                 "dense:%zu",
                 classes);
        return 1;
    }
    if (!strncmp(spec, "deep-mlp", 8) && (spec[8] == 0 || spec[8] == ':')) {
        size_t depth = 8, width = 128;
        char args[128];
        if (spec[8] == ':') {
            if (strlen(spec + 9) >= sizeof args) {
                seterr(err, errlen, "deep-mlp arguments too long: '%s'", spec);
                return -1;
            }
            strcpy(args, spec + 9);
            for (char *save = NULL, *kv = strtok_r(args, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(kv, '=');
                size_t v = eq ? parse_size(eq + 1) : 0;
                if (eq && v && !strncmp(kv, "depth", (size_t)(eq - kv)) && eq - kv == 5)
                    depth = v;
                else if (eq && v && !strncmp(kv, "width", (size_t)(eq - kv)) && eq - kv == 5)
                    width = v;
                else {
                    seterr(err, errlen, "deep-mlp takes depth=D,width=W (positive integers), not '%s'", kv);
                    return -1;
                }
            }
        }
        if (depth > 60) {
            seterr(err, errlen, "deep-mlp depth must be at most 60 (%s)", spec);
            return -1;
        }
        size_t pos = (size_t)snprintf(buf, len, "flatten");
        for (size_t i = 0; i < depth && pos < len; i++)
            pos += (size_t)snprintf(buf + pos, len - pos, ";dense:%zu;act", width);
        if (pos < len)
            snprintf(buf + pos, len - pos, ";dense:%zu", classes);
        return 1;
    }
    return 0;
}

/* Parse "value" or "key=value,..." args of a layer into *l. keys: the allowed keys, first is positional. */
static int parse_args(struct nn_layer *l, const char *name, char *args, char *err, size_t errlen)
{
    int first = 1;
    for (char *save = NULL, *kv = strtok_r(args, ",", &save); kv; kv = strtok_r(NULL, ",", &save), first = 0) {
        char *eq = strchr(kv, '=');
        const char *key, *val;
        if (eq) {
            *eq = 0;
            key = kv;
            val = eq + 1;
        } else if (first) {
            key = l->kind == NN_LAYER_DROPOUT ? "p" : (l->kind == NN_LAYER_MAXPOOL2D || l->kind == NN_LAYER_AVGPOOL2D) ? "k" : "out";
            val = kv;
        } else {
            seterr(err, errlen, "expected key=value in layer '%s'", name);
            return 0;
        }
        if (l->kind == NN_LAYER_DROPOUT && !strcmp(key, "p")) {
            char *end;
            double p = strtod(val, &end);
            if (end == val || *end || !(p >= 0.0 && p < 1.0)) {
                seterr(err, errlen, "dropout p must be in [0, 1), not '%s'", val);
                return 0;
            }
            l->p = (float)p;
            continue;
        }
        size_t v = parse_size(val);
        int is_conv = l->kind == NN_LAYER_CONV2D, is_pool = l->kind == NN_LAYER_MAXPOOL2D || l->kind == NN_LAYER_AVGPOOL2D;
        if (!strcmp(key, "pad") && is_conv && (v || !strcmp(val, "0"))) {
            l->pad = v;
            continue;
        }
        if (!v) {
            seterr(err, errlen, "bad number '%s' (want a positive integer)", val);
            return 0;
        }
        if (!strcmp(key, "out") && (is_conv || l->kind == NN_LAYER_DENSE))
            l->out = v;
        else if (!strcmp(key, "k") && (is_conv || is_pool))
            l->kh = l->kw = v;
        else if (!strcmp(key, "kh") && is_conv)
            l->kh = v;
        else if (!strcmp(key, "kw") && is_conv)
            l->kw = v;
        else if (!strcmp(key, "stride") && (is_conv || is_pool))
            l->stride = v;
        else {
            seterr(err, errlen, "unknown or misplaced key '%s' (see docs/engine.md)", key);
            return 0;
        }
    }
    return 1;
}

static int parse_layer(char *item, const struct nn_model_opts *o, struct nn_layer *l, char *err, size_t errlen)
{
    memset(l, 0, sizeof *l);
    char *colon = strchr(item, ':');
    char *args = NULL;
    if (colon) {
        *colon = 0;
        args = colon + 1;
    }
    if (!strcmp(item, "act")) {
        l->kind = NN_LAYER_ACT;
        l->act = o->act;
        if (args && act_parse(args, &l->act) != ACT_OK) {
            seterr(err, errlen, "bad activation spec '%s' (see actlab list)", args);
            return 0;
        }
    } else if (!strcmp(item, "dense") || !strcmp(item, "linear"))
        l->kind = NN_LAYER_DENSE;
    else if (!strcmp(item, "conv") || !strcmp(item, "conv2d")) {
        l->kind = NN_LAYER_CONV2D;
        l->kh = l->kw = 3;
        l->stride = 1;
    } else if (!strcmp(item, "maxpool") || !strcmp(item, "maxpool2d"))
        l->kind = NN_LAYER_MAXPOOL2D;
    else if (!strcmp(item, "avgpool") || !strcmp(item, "avgpool2d"))
        l->kind = NN_LAYER_AVGPOOL2D;
    else if (!strcmp(item, "flatten"))
        l->kind = NN_LAYER_FLATTEN;
    else if (!strcmp(item, "dropout")) {
        l->kind = NN_LAYER_DROPOUT;
        l->p = 0.5f;
    } else {
        /* A bare activation spec such as "tanh" or "elu:alpha=0.5". */
        char full[256];
        snprintf(full, sizeof full, "%s%s%s", item, args ? ":" : "", args ? args : "");
        l->kind = NN_LAYER_ACT;
        if (act_parse(full, &l->act) != ACT_OK) {
            seterr(err, errlen, "unknown layer '%s' (layers: dense conv maxpool avgpool flatten dropout act, "
                                "or an activation spec)", full);
            return 0;
        }
        return 1;
    }
    if (l->kind == NN_LAYER_ACT)
        return 1;
    if (args && (l->kind == NN_LAYER_FLATTEN)) {
        seterr(err, errlen, "flatten takes no arguments ('%s')", args);
        return 0;
    }
    if (args && !parse_args(l, item, args, err, errlen))
        return 0;
    if ((l->kind == NN_LAYER_DENSE || l->kind == NN_LAYER_CONV2D) && !l->out) {
        seterr(err, errlen, "layer '%s' needs a size, e.g. dense:256 or conv:32,k=5", item);
        return 0;
    }
    if ((l->kind == NN_LAYER_MAXPOOL2D || l->kind == NN_LAYER_AVGPOOL2D) && !l->kh) {
        seterr(err, errlen, "layer '%s' needs a window, e.g. maxpool:2", item);
        return 0;
    }
    if ((l->kind == NN_LAYER_MAXPOOL2D || l->kind == NN_LAYER_AVGPOOL2D) && !l->stride)
        l->stride = l->kh;
    return 1;
}

enum nn_status nn_spec_parse(const char *spec, const struct nn_model_opts *o, struct nn_layer *layers,
                             size_t *nlayers, char *err, size_t errlen)
{
    char buf[4096];
    if (!spec || !o || !layers || !nlayers)
        return NN_ERR_INVALID_ARG;
    int pre = expand_preset(spec, o->classes, buf, sizeof buf, err, errlen);
    if (pre < 0)
        return NN_ERR_INVALID_ARG;
    if (!pre) {
        if (strlen(spec) >= sizeof buf) {
            seterr(err, errlen, "model spec too long (%s...)", "");
            return NN_ERR_INVALID_ARG;
        }
        strcpy(buf, spec);
    }
    size_t n = 0;
    for (char *save = NULL, *item = strtok_r(buf, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
        if (n == NN_MAX_LAYERS) {
            seterr(err, errlen, "too many layers (at most %s)", "128");
            return NN_ERR_INVALID_ARG;
        }
        if (!parse_layer(item, o, &layers[n], err, errlen))
            return NN_ERR_INVALID_ARG;
        n++;
    }
    if (!n) {
        seterr(err, errlen, "empty model spec '%s'", spec);
        return NN_ERR_INVALID_ARG;
    }
    *nlayers = n;
    return NN_OK;
}
