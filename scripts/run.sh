#!/bin/sh
# The main job of `make run`: the claims lab on Fashion-MNIST (actlab claims --quick), after a
# short look at the kernels it measures.
set -eu
bin=${1:-build}/actlab
echo "== actlab info (the kernels dispatch picked)"; "$bin" info | head -4
echo; echo "== actlab eval relu at the special values"; "$bin" eval relu -inf -1 -0 0 1e-45 1 inf nan
echo; echo "== actlab eval elu near 0 (expm1, not exp(x)-1)"; "$bin" eval elu -1e-8 -1e-3 -1 -20
echo; echo "== actlab eval sigmoid in the far tail"; "$bin" eval sigmoid -88 -100 -103.9 16.6
echo; echo "== actlab claims --quick: every claim of the ReLU article on Fashion-MNIST (about 5 minutes)"
"$bin" claims --quick --out claims-out
echo; echo "report: claims-out/report.md (plots in claims-out/plots/, table in claims-out/claims.csv)"
