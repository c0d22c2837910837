// Package nlp is xiaoer's answer engine: it decides for every buyer message
// whether to answer it from the shop's FAQ, offer "did you mean" choices, or
// fall back to a human, and it names the buyer's intent, extracts entities and
// scores frustration.
//
// The pipeline is a chain of small pure steps:
//
//	Normalize → tokenize (gse words, char n-grams, English stems, synonyms)
//	  → features → BM25 / nearest-neighbour index + trained linear classifier
//	  → calibrated confidence → decision at two thresholds
//
// Everything the engine needs (dictionaries, synonym groups, the built-in
// intent corpus) is embedded in the binary; the package performs no I/O.
package nlp
