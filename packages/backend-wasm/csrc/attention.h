#ifndef ATTNKIT_ATTENTION_H
#define ATTNKIT_ATTENTION_H
/*
 * The attention call as the JavaScript side lays it out in memory: every field is 4 bytes, in this order
 * (src/kernels/attention-args.ts writes them by name from the same list). Pointers are byte offsets into
 * the module's memory; strides are in elements.
 */
typedef struct {
  int B, Hq, Hkv, group, Sq, Skv, P, T, D, Dv;
  int q_sb, q_sh, q_ss, k_sb, k_sh, k_ss, v_sb, v_sh, v_ss, y_sb, y_sh, y_ss;
  float scale, softcap;
  int causal, has_window, win_left, win_right;
  const float* q;
  const float* k;
  const float* v;
  const float* past_k;
  const float* past_v;
  float* y;
  float* scores;
  int scores_mode;
  const int* offsets;
  const int* valid;
  const float* alibi;
  const float* head_mask;
  const void* mask;
  int mask_kind;
  int m_sb, m_sh, m_sq, m_sk, m_len;
  int q_block, key_block, units, next_unit;
  float* scratch;
  int scratch_bytes;
  /* split keys (flash decoding): units = base units × splits, each over split_len keys; every unit leaves
     its rows' (m, l, unnormalized O) in partials and attention_merge_task combines them */
  int splits, split_len;
  float* partials;
} attn_args;

void attention_task(attn_args* a, int thread);
void attention_merge_task(attn_args* a, int thread);
int attention_scratch_bytes(int rows, int D, int Dv, int key_block);

/* S[r·ldS + c] = Σ_d q[r·D + d]·keys[c][d]: rows of q against rows given by pointer, 4 × 2 in registers. */
void dot_rows(const float* q, int nr, const float* const* keys, int nc, int D, float* S, int ldS);
#endif
