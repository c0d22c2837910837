package notify

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Events an agent can be told about (the keys of Preferences.Events).
const (
	EventQueue     = "queue"      // a conversation started waiting in my group's queue
	EventAssigned  = "assigned"   // a conversation was given to me
	EventNewBuyer  = "new_buyer"  // a message in my conversation from a buyer new to the shop (新客消息)
	EventMessage   = "message"    // any buyer message in my conversation (聊天消息)
	EventHandoff   = "handoff"    // the bot handed a conversation to my group's queue
	EventOffline   = "offline"    // a buyer left a message when nobody was on duty
	EventBadRating = "bad_rating" // a buyer rated my conversation 1 or 2
	EventWaiting   = "waiting"    // a conversation has waited in my group's queue longer than my limit
)

// Events lists every event key in the order the console shows them.
var Events = []string{EventQueue, EventHandoff, EventAssigned, EventNewBuyer, EventMessage, EventOffline, EventBadRating, EventWaiting}

// Sounds the workbench can play; the web client makes each one itself, so
// there is no sound file to load. "" is silence.
var Sounds = []string{"ding", "chime", "bell", "knock", "pop"}

// Preferences say how one agent wants to be told. An agent who saved none
// has the shop's defaults, which an admin sets.
type Preferences struct {
	// Events holds one switch set per event key; a key left out is off.
	Events map[string]EventPref `json:"events"`
	// Volume of the workbench sounds, 0-100.
	Volume int `json:"volume"`
	// Desktop shows a desktop notification while the workbench is in the
	// background; FlashTitle flashes the tab title.
	Desktop    bool `json:"desktop"`
	FlashTitle bool `json:"flash_title"`
	// Channels are the shop's channels (ids) pushes go to.
	Channels []int64 `json:"channels"`
	// QuietHours hold pushes (not the workbench) in the shop's time zone.
	QuietHours QuietHours `json:"quiet_hours"`
	// SkipPushWhenOnline: no pushes while the agent has the workbench open.
	SkipPushWhenOnline bool `json:"skip_push_when_online"`
	// WaitMinutes is the limit of EventWaiting, 1-1440.
	WaitMinutes int `json:"wait_minutes"`
}

// EventPref is how one event is told.
type EventPref struct {
	Workbench bool   `json:"workbench"` // an alert frame to the workbench
	Sound     string `json:"sound"`     // one of Sounds; "" plays none
	Push      bool   `json:"push"`      // a message to each of Channels
}

// QuietHours is a daily span (HH:MM to HH:MM, across midnight when To is
// before From) without pushes.
type QuietHours struct {
	Enabled bool   `json:"enabled"`
	From    string `json:"from"`
	To      string `json:"to"`
}

// DefaultPreferences are the shop's defaults until an admin changes them:
// every event in the workbench, with a sound for those that want an agent
// now, and pushes for what happens when nobody may be looking (a bot
// handoff, a message left out of hours, a bad rating, a long wait) once a
// channel is chosen.
func DefaultPreferences() Preferences {
	return Preferences{
		Events: map[string]EventPref{
			EventQueue:     {Workbench: true, Sound: "ding"},
			EventHandoff:   {Workbench: true, Sound: "ding", Push: true},
			EventAssigned:  {Workbench: true, Sound: "chime"},
			EventNewBuyer:  {Workbench: true, Sound: "bell"},
			EventMessage:   {Workbench: true, Sound: "pop"},
			EventOffline:   {Workbench: true, Sound: "knock", Push: true},
			EventBadRating: {Workbench: true, Push: true},
			EventWaiting:   {Workbench: true, Sound: "ding", Push: true},
		},
		Volume: 80, Desktop: true, FlashTitle: true, Channels: []int64{},
		QuietHours:         QuietHours{From: "22:00", To: "08:00"},
		SkipPushWhenOnline: true, WaitMinutes: 5,
	}
}

// InputError is bad input with a stable code and the field at fault, for
// the API to answer with.
type InputError struct {
	Code    string
	Field   string
	Message string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Message }

func badInput(code, field, format string, args ...any) *InputError {
	return &InputError{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Validate checks preferences; channels must be among the shop's.
func (p Preferences) Validate(channels []int64) error {
	for k, e := range p.Events {
		if !slices.Contains(Events, k) {
			return badInput("unknown_event", "events."+k, "unknown event %q; events are %v", k, Events)
		}
		if e.Sound != "" && !slices.Contains(Sounds, e.Sound) {
			return badInput("bad_sound", "events."+k+".sound", "unknown sound %q; sounds are %v", e.Sound, Sounds)
		}
	}
	if p.Volume < 0 || p.Volume > 100 {
		return badInput("bad_volume", "volume", "volume must be 0-100")
	}
	if p.WaitMinutes < 1 || p.WaitMinutes > 1440 {
		return badInput("bad_wait", "wait_minutes", "wait_minutes must be 1-1440")
	}
	for i, id := range p.Channels {
		if !slices.Contains(channels, id) {
			return badInput("unknown_channel", fmt.Sprintf("channels[%d]", i), "no channel %d in this shop", id)
		}
	}
	if q := p.QuietHours; q.Enabled || q.From != "" || q.To != "" {
		if _, err := parseClock(q.From); err != nil {
			return badInput("bad_time", "quiet_hours.from", "%v", err)
		}
		if _, err := parseClock(q.To); err != nil {
			return badInput("bad_time", "quiet_hours.to", "%v", err)
		}
	}
	return nil
}

// parsePreferences reads stored preferences; what cannot be read falls
// back to the defaults rather than silencing an agent.
func parsePreferences(raw string) Preferences {
	p := DefaultPreferences()
	if raw == "" {
		return p
	}
	var got Preferences
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		return p
	}
	if got.Events == nil {
		got.Events = map[string]EventPref{}
	}
	if got.Channels == nil {
		got.Channels = []int64{}
	}
	return got
}

// pick returns the first of keys whose pref is on at all (workbench or
// push): the specific event wins (a bot handoff over a plain queue entry,
// a new buyer over any message), and an agent who turned the specific one
// off still hears the general one.
func (p Preferences) pick(keys ...string) (string, EventPref, bool) {
	for _, k := range keys {
		if e, ok := p.Events[k]; ok && (e.Workbench || e.Push) {
			return k, e, true
		}
	}
	return "", EventPref{}, false
}

// quiet reports whether t falls in the quiet hours, in zone.
func (q QuietHours) quiet(t time.Time, zone string) bool {
	if !q.Enabled {
		return false
	}
	from, err1 := parseClock(q.From)
	to, err2 := parseClock(q.To)
	if err1 != nil || err2 != nil || from == to {
		return false
	}
	if loc, err := time.LoadLocation(zone); err == nil {
		t = t.In(loc)
	}
	m := t.Hour()*60 + t.Minute()
	if from < to {
		return m >= from && m < to
	}
	return m >= from || m < to
}

// clock parses HH:MM (00:00-24:00) into minutes after midnight.
func parseClock(s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return h*60 + m, nil
}
