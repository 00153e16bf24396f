/* Softmax cross-entropy (mean over the batch), as PyTorch's nn.CrossEntropyLoss. */
#include <math.h>

#include "internal.h"

/* Up to this many classes the softmax's exps are computed once and kept on the stack. */
#define SMALL_CLASSES 256

enum nn_status nn_softmax_xent(size_t n, size_t classes, const float *logits, const uint8_t *labels, double *loss,
                               size_t *correct, float *dlogits)
{
    if (!logits || !labels || !loss || !classes || !n)
        return NN_ERR_INVALID_ARG;
    double total = 0.0;
    size_t right = 0;
    /* logits and dlogits are (n, classes) */
    for (size_t r = 0; r < n; r++) {
        const float *z = logits + r * classes;
        if (labels[r] >= classes)
            return NN_ERR_INVALID_ARG;
        size_t best = 0;
        for (size_t c = 1; c < classes; c++)
            if (z[c] > z[best])
                best = c;
        right += best == labels[r];
        double mx = z[best], sum = 0.0, e[SMALL_CLASSES];
        int keep = classes <= SMALL_CLASSES; /* the exps are kept for the gradient */
        for (size_t c = 0; c < classes; c++) {
            double ec = exp((double)z[c] - mx);
            if (keep)
                e[c] = ec;
            sum += ec;
        }
        double lse = mx + log(sum);
        total += lse - (double)z[labels[r]];
        if (dlogits)
            for (size_t c = 0; c < classes; c++) {
                double pr = keep ? e[c] / sum : exp((double)z[c] - lse);
                dlogits[r * classes + c] = (float)((pr - (c == labels[r])) / (double)n);
            }
    }
    *loss = total / (double)n;
    if (correct)
        *correct = right;
    return NN_OK;
}
