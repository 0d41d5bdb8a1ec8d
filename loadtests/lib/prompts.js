// Fixed prompt set with controlled input length: each prompt is padded with the same deterministic
// filler to `inputWords` words, so runs are comparable and prefix caching affects all alike.
const QUESTIONS = [
  "Summarise the purpose of a data catalogue in two sentences.",
  "Explain what a vector index is used for in retrieval-augmented generation.",
  "List three risks of running batch jobs without resource limits.",
  "Describe how object storage differs from a block device.",
  "What does time to first token measure for a language model server?",
  "Give a short definition of a service level objective.",
  "Why would a team pin container image tags instead of using latest?",
  "Outline the steps to register a dataset stored in S3.",
];

const FILLER = (
  "The platform stores datasets in object storage, indexes embeddings in a vector database, " +
  "serves models behind an OpenAI compatible gateway and authenticates users through an identity provider. "
).split(" ").filter((w) => w.length > 0);

export function buildPrompt(i, inputWords) {
  const question = QUESTIONS[i % QUESTIONS.length];
  const need = Math.max(0, inputWords - question.split(" ").length);
  const words = [];
  for (let k = 0; k < need; k++) words.push(FILLER[(k + i) % FILLER.length]);
  return words.length ? `Context: ${words.join(" ")}\n\nQuestion: ${question}` : question;
}

export const PROMPT_COUNT = QUESTIONS.length;
