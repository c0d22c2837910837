package notify

import (
	"strconv"
	"strings"
)

// message is what a channel sends, before each platform's format: a title,
// a few lines and a link, in the shop's language.
type message struct {
	eventID  string
	event    string // a notice's event, "summary" or "test"
	lang     string
	title    string
	lines    []string
	link     string
	linkText string
	notices  []Notice // the plain webhook channel sends these as they are
}

// maxSummaryLines bounds the notices a summary lists one by one.
const maxSummaryLines = 10

// renderNotice is one notice as a short message.
func renderNotice(eventID string, n Notice) message {
	args := map[string]string{"rating": strconv.Itoa(n.Rating), "minutes": strconv.Itoa(n.Minutes)}
	m := message{eventID: eventID, event: n.Event, lang: n.Lang, title: text(n.Lang, "title."+n.Event, args),
		link: n.Link, linkText: text(n.Lang, "link.open", nil), notices: []Notice{n}}
	if n.BuyerID != 0 {
		m.lines = append(m.lines, text(n.Lang, "line.buyer", map[string]string{"buyer": buyerName(n)}))
	}
	if n.Text != "" {
		m.lines = append(m.lines, text(n.Lang, "line.text", map[string]string{"text": n.Text}))
	}
	if n.Reason != "" && (n.Event == EventHandoff || n.Event == EventQueue || n.Event == EventOffline) {
		m.lines = append(m.lines, text(n.Lang, "line.reason", map[string]string{"reason": reasonText(n.Lang, n.Reason)}))
	}
	if len(n.Agents) > 0 {
		m.lines = append(m.lines, text(n.Lang, "line.for", map[string]string{"agents": strings.Join(n.Agents, "、")}))
	}
	return m
}

// renderSummary is many notices (a burst, or what piled up while the
// rate limit held them) as one message linking to the workbench.
func renderSummary(eventID, lang, link string, ns []Notice) message {
	m := message{eventID: eventID, event: "summary", lang: lang, link: link, linkText: text(lang, "link.desk", nil), notices: ns,
		title: text(lang, "title.summary", map[string]string{"n": strconv.Itoa(len(ns))})}
	for i, n := range ns {
		if i == maxSummaryLines {
			m.lines = append(m.lines, text(lang, "line.more", map[string]string{"n": strconv.Itoa(len(ns) - i)}))
			break
		}
		one := renderNotice("", n)
		line := "• " + one.title
		if n.BuyerID != 0 {
			line += " · " + buyerName(n)
		}
		if n.Text != "" {
			line += " · " + clip(n.Text, 30)
		}
		m.lines = append(m.lines, line)
	}
	return m
}

// renderTest is the "send test message" of a channel.
func renderTest(lang, name, link string) message {
	return message{eventID: "test", event: "test", lang: lang, title: text(lang, "title.test", nil),
		lines: []string{text(lang, "line.test", map[string]string{"name": name})}, link: link, linkText: text(lang, "link.desk", nil)}
}

func buyerName(n Notice) string {
	if n.Buyer != "" {
		return n.Buyer
	}
	return text(n.Lang, "visitor", map[string]string{"id": strconv.FormatInt(n.BuyerID, 10)})
}

// plain is the message as plain text: title, lines, then the link.
func (m message) plain() string {
	var b strings.Builder
	b.WriteString(m.title)
	for _, l := range m.lines {
		b.WriteString("\n")
		b.WriteString(l)
	}
	if m.link != "" {
		b.WriteString("\n")
		b.WriteString(m.linkText + ": " + m.link)
	}
	return b.String()
}

// markdown is the message in the Markdown subset DingTalk and WeCom
// robots show: a bold title, the lines, and the link.
func (m message) markdown(heading string) string {
	var b strings.Builder
	b.WriteString(heading + m.title + heading2(heading) + "\n")
	for _, l := range m.lines {
		b.WriteString("\n" + mdEscape(l) + "\n")
	}
	if m.link != "" {
		b.WriteString("\n[" + m.linkText + "](" + m.link + ")")
	}
	return b.String()
}

// heading2 closes a bold heading ("**") and leaves a "#### " heading open.
func heading2(h string) string {
	if h == "**" {
		return "**"
	}
	return ""
}

// mdEscape keeps what a buyer wrote from turning into links or headings.
func mdEscape(s string) string {
	r := strings.NewReplacer("[", "\\[", "]", "\\]", "(", "\\(", ")", "\\)", "#", "\\#", "*", "\\*", "_", "\\_", "`", "\\`", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}
