/* cost.c - the analytic cost model (see cost.h for every formula). */
#include "cost.h"

#include <string.h>

void tf_cost_forward(const tf_config *c, size_t n_, size_t p0, int all_logits, tf_cost *out)
{
    memset(out, 0, sizeof *out);
    double n = (double)n_, T = (double)(p0 + n_), d = (double)c->d_model,
           L = (double)c->n_layers, H = (double)c->n_heads, f = (double)c->d_ff,
           V = (double)c->vocab;
    double rows = all_logits ? n : (n_ ? 1 : 0);
    out->flops[TF_EMBED] = n * d;
    out->flops[TF_QKVO] = L * (2 * n * d * 3 * d + 2 * n * d * d);
    out->flops[TF_ATTN] = L * (2 * n * T * d + 2 * n * T * d);
    out->flops[TF_MLP] = L * (2 * n * d * f + 2 * n * f * d);
    out->flops[TF_LM_HEAD] = 2 * rows * d * V;
    out->flops[TF_OTHER] = TF_FLOPS_LN * (2 * L + 1) * n * d + TF_FLOPS_SOFTMAX * L * H * n * T +
                           TF_FLOPS_GELU * L * n * f + L * n * (3 * d + d + f + d) +
                           2 * L * n * d;
    out->gemm_flops = out->flops[TF_QKVO] + out->flops[TF_ATTN] + out->flops[TF_MLP] +
                      out->flops[TF_LM_HEAD];
    for (int p = 0; p < TF_NPARTS; p++)
        out->total += out->flops[p];
}

void tf_cost_memory(const tf_config *c, size_t n_, tf_mem *out)
{
    memset(out, 0, sizeof *out);
    double n = (double)n_, d = (double)c->d_model, L = (double)c->n_layers,
           H = (double)c->n_heads, f = (double)c->d_ff, V = (double)c->vocab;
    double pos = (double)(c->context > n_ ? c->context : n_);
    double pe = V * d * (c->tied ? 1 : 2) + pos * d;
    double pl = L * (4 * d * d + 2 * d * f + 9 * d + f) + 2 * d;
    out->params_embed = 4 * pe;
    out->params_layers = 4 * pl;
    out->kv_cache = 4 * 2 * L * n * d;
    out->activations = 4 * (L * n * (8 * d + 2 * f) + L * H * n * n + n * d + n * V);
    out->infer = out->params_embed + out->params_layers + out->kv_cache;
    out->train = 16 * (pe + pl) + out->activations;
}
