package nlp

// Analyzer reads intent, entities and frustration from a message without a
// FAQ, for shops whose knowledge base is still empty.
type Analyzer struct {
	intent *IntentModel
	ents   *entityExtractor
}

// NewAnalyzer returns an analyzer with the shop's options (extra intents,
// order-number format).
func NewAnalyzer(opts Options) (*Analyzer, error) {
	im, err := NewIntentModel(opts.ExtraIntents)
	if err != nil {
		return nil, err
	}
	return &Analyzer{intent: im, ents: newEntityExtractor(opts.OrderNumber)}, nil
}

// Analyze names the message's intent, its entities and the buyer's
// frustration, given the buyer's earlier messages.
func (a *Analyzer) Analyze(text string, history []string) Analysis {
	its := a.intent.Classify(text)
	return Analysis{Intent: its[0], Alternatives: its[1:], Entities: a.ents.extract(text), Frustration: frustration(text, history)}
}

// IntentIDs lists the intents the analyzer knows, built-in and the shop's.
func (a *Analyzer) IntentIDs() []string { return a.intent.IntentIDs() }
