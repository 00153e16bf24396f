/* Model spec parsing (src/nn/spec.c). */
#ifndef ACTLAB_NN_SPEC_H
#define ACTLAB_NN_SPEC_H

#include "internal.h"

/* Parse spec (preset or layer list) into layers[0..*nlayers) (hyper-parameters only). */
enum nn_status nn_spec_parse(const char *spec, const struct nn_model_opts *o, struct nn_layer *layers,
                             size_t *nlayers, char *err, size_t errlen);

#endif
