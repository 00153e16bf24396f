/* Weight initializers and the activation gain (PyTorch's torch.nn.init.calculate_gain). */
#include <math.h>
#include <string.h>

#include "internal.h"

enum nn_status nn_init_parse(const char *s, enum nn_init *out)
{
    static const struct {
        const char *name;
        enum nn_init init;
    } names[] = {
        {"auto", NN_INIT_AUTO},
        {"he", NN_INIT_HE_NORMAL},
        {"he_normal", NN_INIT_HE_NORMAL},
        {"he_uniform", NN_INIT_HE_UNIFORM},
        {"xavier", NN_INIT_XAVIER_UNIFORM},
        {"xavier_uniform", NN_INIT_XAVIER_UNIFORM},
        {"xavier_normal", NN_INIT_XAVIER_NORMAL},
        {"lecun", NN_INIT_LECUN_NORMAL},
        {"lecun_normal", NN_INIT_LECUN_NORMAL},
        {"lecun_uniform", NN_INIT_LECUN_UNIFORM},
        {"zeros", NN_INIT_ZEROS},
    };
    if (!s || !out)
        return NN_ERR_INVALID_ARG;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i].name)) {
            *out = names[i].init;
            return NN_OK;
        }
    return NN_ERR_INVALID_ARG;
}

double nn_act_gain(const struct act_desc *d)
{
    if (!d)
        return 1.0;
    switch (d->op) {
    case ACT_OP_IDENTITY:
    case ACT_OP_SIGMOID:
        return 1.0;
    case ACT_OP_TANH:
        return 5.0 / 3.0;
    case ACT_OP_RELU:
        return sqrt(2.0);
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
        return sqrt(2.0 / (1.0 + (double)d->slope * d->slope));
    case ACT_OP_RRELU: {
        double a = 0.5 * ((double)d->lower + d->upper);
        return sqrt(2.0 / (1.0 + a * a));
    }
    case ACT_OP_SELU:
        return 0.75;
    /* Not in calculate_gain: rectifier-like ops take relu's gain, bounded squashing ops 1. */
    case ACT_OP_ELU:
    case ACT_OP_CELU:
    case ACT_OP_RELU6:
    case ACT_OP_GELU:
    case ACT_OP_GELU_TANH:
    case ACT_OP_SILU:
    case ACT_OP_MISH:
    case ACT_OP_SOFTPLUS:
    case ACT_OP_HARDSWISH:
    case ACT_OP_THRESHOLD:
        return sqrt(2.0);
    case ACT_OP_HARDSIGMOID:
    case ACT_OP_HARDTANH:
    case ACT_OP_SOFTSIGN:
        return 1.0;
    }
    return 1.0;
}

/* The activation a weight layer feeds: the next act layer before the next weight layer. */
static const struct act_desc *next_act(const struct nn_model *m, size_t i)
{
    for (size_t j = i + 1; j < m->nlayers; j++) {
        const struct nn_layer *l = &m->layers[j];
        if (l->kind == NN_LAYER_ACT)
            return &l->act;
        if (l->kind == NN_LAYER_DENSE || l->kind == NN_LAYER_CONV2D)
            return NULL;
    }
    return NULL;
}

enum nn_status nn_model_init_weights(struct nn_model *m, enum nn_init init, struct nn_rng *rng)
{
    if (!m || !rng || (unsigned)init > NN_INIT_ZEROS)
        return NN_ERR_INVALID_ARG;
    if (!m->params) /* a model without parameters (e.g. only pooling): nothing to initialise */
        return NN_OK;
    for (size_t i = 0; i < m->nlayers; i++) {
        const struct nn_layer *l = &m->layers[i];
        float *w = m->params + l->w_off; /* (n_w) */
        if (l->kind == NN_LAYER_ACT && l->act.op == ACT_OP_PRELU) {
            for (size_t j = 0; j < l->n_w; j++)
                w[j] = l->act.slope;
            continue;
        }
        if (l->kind != NN_LAYER_DENSE && l->kind != NN_LAYER_CONV2D)
            continue;
        size_t rf = l->kind == NN_LAYER_CONV2D ? l->kh * l->kw : 1;
        double fan_in = (double)(l->in_shape.c * rf), fan_out = (double)(l->out * rf);
        double std = 0.0, bound = 0.0;
        switch (init) {
        case NN_INIT_AUTO: bound = nn_act_gain(next_act(m, i)) * sqrt(3.0 / fan_in); break;
        case NN_INIT_HE_NORMAL: std = sqrt(2.0 / fan_in); break;
        case NN_INIT_HE_UNIFORM: bound = sqrt(6.0 / fan_in); break;
        case NN_INIT_XAVIER_NORMAL: std = sqrt(2.0 / (fan_in + fan_out)); break;
        case NN_INIT_XAVIER_UNIFORM: bound = sqrt(6.0 / (fan_in + fan_out)); break;
        case NN_INIT_LECUN_NORMAL: std = sqrt(1.0 / fan_in); break;
        case NN_INIT_LECUN_UNIFORM: bound = sqrt(3.0 / fan_in); break;
        case NN_INIT_ZEROS: break;
        }
        for (size_t j = 0; j < l->n_w; j++)
            w[j] = (float)(std > 0.0 ? std * nn_rng_normal(rng)
                                     : bound > 0.0 ? bound * (2.0 * nn_rng_uniform(rng) - 1.0) : 0.0);
        memset(m->params + l->b_off, 0, l->n_b * sizeof(float));
    }
    return NN_OK;
}
