package stats

// Metric names as the rollups keep them; docs/metrics.md defines each.
// Conversation metrics are counted in the hour the conversation opened,
// turn metrics in the hour of the buyer's message, agent metrics in the
// hour the agent's part began (messages: the hour sent).
const (
	mConv         = "conv"            // conversations opened
	mClosed       = "closed"          // closed; total = ms from opening to closing
	mDecided      = "decided"         // closed, and the buyer came back or 24 h passed
	mBotResolved  = "bot_resolved"    // decided, never with a person, buyer not back within 24 h
	mHanded       = "handed"          // handed to a person at least once
	mHandoff      = "handoff"         // item = reason; each handover from the bot
	mFirstBot     = "first_bot"       // total = ms from the first buyer message to the bot's first reply
	mFirstHuman   = "first_human"     // total = ms from the first handover to the first agent message
	mQueueWait    = "queue_wait"      // a wait in a queue that ended with an agent; total = ms
	mQueueAbandon = "queue_abandoned" // a wait that ended otherwise (closed, back to the bot); total = ms
	mHandle       = "handle"          // closed conversations with agents; total = ms agents owned it
	mRating       = "rating"          // item = stars; total = stars
	mInvited      = "invited"         // conversations invited to rate
	mInvitedRated = "invited_rated"   // invited and rated

	mTurn         = "turn"          // item = class of the bot's handling of a buyer message
	mChoices      = "choices"       // "did you mean" offered
	mChoicesTaken = "choices_taken" // ... and the buyer tapped one

	mIntentVolume   = "intent_volume"   // item = intent: buyer questions with it
	mIntentAnswered = "intent_answered" // ... answered by the bot
	mIntentHandoff  = "intent_handoff"  // ... after which a person took over
	mIntentResolved = "intent_resolved" // ... in conversations the bot resolved
	mFAQVolume      = "faq_volume"      // item = FAQ id: questions it was the best candidate for
	mFAQAnswered    = "faq_answered"    // ... answered with it
	mFAQOffered     = "faq_offered"     // ... offered as a choice
	mFAQTaken       = "faq_taken"       // ... tapped as a choice
	mFAQHandoff     = "faq_handoff"     // answered with it, then a person took over
	mFAQResolved    = "faq_resolved"    // answered with it, in a conversation the bot resolved

	mAgentConv   = "agent_conv"   // conversations an agent owned
	mAgentMsgs   = "agent_msgs"   // messages an agent sent
	mAgentFirst  = "agent_first"  // total = ms from an agent getting a conversation to their first message
	mAgentHandle = "agent_handle" // total = ms an agent owned a conversation, per finished stint
)

// Classes of a turn: how the bot handled one buyer message.
const (
	turnAnswered  = "answered"  // a FAQ, live data, a rule or a follow-up answered it
	turnSuggested = "suggested" // "did you mean" choices
	turnFallback  = "fallback"  // the bot did not know (and may have handed over for it)
	turnHandoff   = "handoff"   // a handoff trigger (asked for a person, keyword, VIP, ...)
	turnChatter   = "chatter"   // small talk: not a question
)
