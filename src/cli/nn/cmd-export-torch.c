/* actlab export-torch: print PyTorch code defining `model` (the equivalent nn.Sequential) and
 * `preprocess(x)`, loading the weights of a model.safetensors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nn-cli.h"

static const char *CMD_NAME = "export-torch";

/* The torch.nn module for an activation. */
static void print_act(const struct nn_layer *l)
{
    const struct act_desc *d = &l->act;
    switch (d->op) {
    case ACT_OP_IDENTITY: printf("nn.Identity()"); break;
    case ACT_OP_RELU: printf("nn.ReLU()"); break;
    case ACT_OP_LEAKY_RELU: printf("nn.LeakyReLU(%.9g)", d->slope); break;
    case ACT_OP_PRELU: printf("nn.PReLU(num_parameters=%zu)", l->n_w); break;
    case ACT_OP_ELU: printf("nn.ELU(alpha=%.9g)", d->alpha); break;
    case ACT_OP_SIGMOID: printf("nn.Sigmoid()"); break;
    case ACT_OP_TANH: printf("nn.Tanh()"); break;
    case ACT_OP_RELU6: printf("nn.ReLU6()"); break;
    case ACT_OP_RRELU: printf("nn.RReLU(lower=%.9g, upper=%.9g)", d->lower, d->upper); break;
    case ACT_OP_SELU: printf("nn.SELU()"); break;
    case ACT_OP_CELU: printf("nn.CELU(alpha=%.9g)", d->alpha); break;
    case ACT_OP_GELU: printf("nn.GELU()"); break;
    case ACT_OP_GELU_TANH: printf("nn.GELU(approximate='tanh')"); break;
    case ACT_OP_SILU: printf("nn.SiLU()"); break;
    case ACT_OP_MISH: printf("nn.Mish()"); break;
    case ACT_OP_SOFTPLUS: printf("nn.Softplus(beta=%.9g, threshold=%.9g)", d->beta, d->threshold); break;
    case ACT_OP_HARDSWISH: printf("nn.Hardswish()"); break;
    case ACT_OP_HARDSIGMOID: printf("nn.Hardsigmoid()"); break;
    case ACT_OP_HARDTANH: printf("nn.Hardtanh(min_val=%.9g, max_val=%.9g)", d->min_val, d->max_val); break;
    case ACT_OP_SOFTSIGN: printf("nn.Softsign()"); break;
    case ACT_OP_THRESHOLD: printf("nn.Threshold(%.9g, %.9g)", d->threshold, d->value); break;
    }
}

static void print_layer(const struct nn_layer *l)
{
    switch (l->kind) {
    case NN_LAYER_DENSE: printf("nn.Linear(%zu, %zu)", l->in_shape.c, l->out); break;
    case NN_LAYER_CONV2D:
        printf("nn.Conv2d(%zu, %zu, kernel_size=(%zu, %zu), stride=%zu, padding=%zu)", l->in_shape.c, l->out, l->kh,
               l->kw, l->stride, l->pad);
        break;
    case NN_LAYER_MAXPOOL2D: printf("nn.MaxPool2d(%zu, stride=%zu)", l->kh, l->stride); break;
    case NN_LAYER_AVGPOOL2D: printf("nn.AvgPool2d(%zu, stride=%zu)", l->kh, l->stride); break;
    case NN_LAYER_FLATTEN: printf("nn.Flatten()"); break;
    case NN_LAYER_DROPOUT: printf("nn.Dropout(p=%.9g)", l->p); break;
    case NN_LAYER_ACT: print_act(l); break;
    }
}

/* Print s as a Python string literal. */
static void print_pystr(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            putchar('\\');
        putchar(*s);
    }
    putchar('"');
}

int cmd_export_torch(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        int help = argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
        fprintf(help ? stdout : stderr,
                "usage: actlab export-torch DIR/model.safetensors > model.py\n"
                "Prints Python code that defines `model` (a torch.nn.Sequential with the file's weights loaded)\n"
                "and `preprocess(x)` (raw pixels, a float tensor (N,C,H,W) in [0,255], to the model's input).\n");
        return help ? CLI_OK : CLI_USAGE;
    }
    if (cli_parse_only)
        return CLI_OK;
    struct nn_model m;
    struct nn_meta md;
    int rc = nn_cli_load_model(CMD_NAME, argv[1], 1, &m, &md);
    if (rc != CLI_OK)
        return rc;
    const char *norm = nn_meta_get(&md, "normalise");
    double mean = strtod(nn_meta_get(&md, "mean") ? nn_meta_get(&md, "mean") : "0", NULL);
    double std = strtod(nn_meta_get(&md, "std") ? nn_meta_get(&md, "std") : "1", NULL);
    printf("# PyTorch equivalent of an actlab model (actlab export-torch %s)\n", argv[1]);
    printf("# model spec: %s; act: %s\n", nn_meta_get(&md, "model"), nn_meta_get(&md, "act"));
    printf("import json\nimport struct\n\nimport numpy as np\nimport torch\nfrom torch import nn\n\n");
    printf("model = nn.Sequential(\n");
    for (size_t i = 0; i < m.nlayers; i++) {
        printf("    ");
        print_layer(&m.layers[i]);
        printf(",  # %zu\n", i);
    }
    printf(")\n\n");
    if (norm && atoi(norm))
        printf("MEAN, STD = %.17g, %.17g  # the training set's statistics actlab normalised with\n\n", mean, std);
    else
        printf("MEAN, STD = 0.0, 1.0  # trained without normalisation\n\n");
    printf("def preprocess(x):\n"
           "    \"\"\"Raw pixels (a float tensor (N, %zu, %zu, %zu) in [0, 255]) to the model's input.\"\"\"\n"
           "    return (x.float() - MEAN) / STD\n\n",
           m.opts.input.c, m.opts.input.h, m.opts.input.w);
    printf("def load_safetensors(path):\n"
           "    \"\"\"The tensors of a safetensors file, as a state_dict.\"\"\"\n"
           "    with open(path, 'rb') as f:\n"
           "        n = struct.unpack('<Q', f.read(8))[0]\n"
           "        header = json.loads(f.read(n))\n"
           "        data = f.read()\n"
           "    out = {}\n"
           "    for name, t in header.items():\n"
           "        if name != '__metadata__':\n"
           "            b, e = t['data_offsets']\n"
           "            out[name] = torch.from_numpy(np.frombuffer(data[b:e], dtype='<f4').copy()).reshape(t['shape'])\n"
           "    return out\n\n");
    printf("model.load_state_dict(load_safetensors(");
    print_pystr(argv[1]);
    printf("))\nmodel.eval()\n");
    nn_model_free(&m);
    return CLI_OK;
}
