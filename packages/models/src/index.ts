export type { BackendChoice, BackendPackage, DeviceName } from './backends.js';
export { BACKEND_PACKAGES, DEVICE_NAMES } from './backends.js';
export type { TokenBatch } from './batch.js';
export { padBatch } from './batch.js';
export type { ClassifierForwardOptions, ClassifierOutput } from './classifier.js';
export { poolingWeights, TextClassifier } from './classifier.js';
export type {
  Activation,
  ClassifierConfig,
  ModelConfig,
  NormPlacement,
  Pooling,
  PositionKind,
  TransformerConfig,
  TranslatorConfig,
} from './config.js';
export { attentionModules, headSize, headsOf, parseConfig } from './config.js';
export type { CrossAttentionSource, DecoderCall, DecoderOutput } from './decoder.js';
export { Decoder, DecoderLayer } from './decoder.js';
export type { EncoderOptions, EncoderOutput } from './encoder.js';
export { Encoder, EncoderLayer } from './encoder.js';
export type { AttentionExplanation, ExplainOptions, ExplanationMethod } from './explain/explain.js';
export { explainAttention, FLOW_MAX_NODES, readoutWeights } from './explain/explain.js';
export type { GradientBackend, GradientRelevance, GradientRelevanceOptions } from './explain/gradient.js';
export { carriesGradients, gradientRelevance, headImportanceByGradient } from './explain/gradient.js';
export type { HeadReduction } from './explain/head-average.js';
export type { HeadImportance, HeadScore, ModulePruningStep, PruningStep } from './explain/head-importance.js';
export {
  fullHeadMask,
  greedyModulePruning,
  greedyPruning,
  headImportanceByMasking,
  scoreHeads,
} from './explain/head-importance.js';
export type { TranslationExplainOptions, TranslationExplanation, TranslationMethod } from './explain/translation.js';
export { explainTranslation } from './explain/translation.js';
export type { TranslationGradientOptions, TranslationGradientRelevance } from './explain/translation-gradient.js';
export { translationGradientRelevance } from './explain/translation-gradient.js';
export { DecodingSession } from './generation/session.js';
export type {
  DecoderCache,
  DecoderStepInput,
  DecoderStepOutput,
  DecodingModel,
  DecodingState,
} from './generation/state.js';
export type { GenerateOptions, Generation } from './generation/types.js';
export type { AttentionCall, AttentionResult, KeyValue, KeyValueCache } from './layers/attention.js';
export { MultiHeadAttention } from './layers/attention.js';
export { Embeddings, sinusoidalTable } from './layers/embeddings.js';
export { FeedForward } from './layers/feed-forward.js';
export { LayerNorm } from './layers/layer-norm.js';
export { Linear } from './layers/linear.js';
export { keyPaddingMask, symmetricAlibiMask } from './layers/masks.js';
export type { RowLengthCheck } from './lengths.js';
export { checkRowLengths, positionLimit } from './lengths.js';
export type { Loaded, LoadOptions } from './load.js';
export { checkTokenizer, loadClassifier, loadTranslator } from './load.js';
export type {
  AttentionMaps,
  ClassificationExplanation,
  ClassificationOutput,
  ClassifyOptions,
  CrossAttentionMaps,
  PipelineOptions,
  PipelineProgress,
  PipelineTask,
  SelfAttentionMaps,
  TranslateOptions,
  TranslationExplanationOutput,
  TranslationOutput,
} from './pipeline.js';
export { pipeline, TextClassificationPipeline, TranslationPipeline } from './pipeline.js';
export type { Dropout } from './scope.js';
export { collectTensors, isDeviceTensor, Ops } from './scope.js';
export type { EncodedSource, ModuleHeadMasks, ProbedTranslation, TranslatorProbes } from './seq2seq.js';
export { Seq2SeqTranslator } from './seq2seq.js';
export type {
  FileProgress,
  LoadProgress,
  ModelFileContent,
  ModelFileName,
  ModelFiles,
  ModelSource,
  ReadOptions,
} from './source.js';
export { MODEL_FILES, readModelFiles } from './source.js';
export { Tokenizer } from './tokenizer.js';
export { uploadWeights, Weights } from './weights/load.js';
export type { HostWeights } from './weights/prune.js';
export { pruneHeads } from './weights/prune.js';
export { mulberry32, randomWeights } from './weights/random.js';
export type { SafetensorsDType, SafetensorsFile, StoredTensor, TensorToWrite } from './weights/safetensors.js';
export { readSafetensors, writeSafetensors } from './weights/safetensors.js';
export type { WeightSpec } from './weights/spec.js';
export { weightSpec } from './weights/spec.js';
