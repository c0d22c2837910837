package server

import (
	"net/http"

	"github.com/xiaoer-cs/xiaoer/internal/notify"
)

// channelList lists the shop's notification channels, credentials masked.
func (s *Server) channelList(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.notify.Channels(r.Context(), stateOf(r).shop.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": cs})
	return nil
}

// channelCreate adds a channel: a DingTalk, WeCom or Feishu robot, email,
// or a plain webhook.
func (s *Server) channelCreate(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var in notify.ChannelInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.notify.CreateChannel(r.Context(), st.shop.ID, in)
	if err != nil {
		return notifyError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "notify.channel.create", notifyID(c.ID), c.Kind+" "+c.Name)
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// channelUpdate changes a channel; fields left out keep their value.
func (s *Server) channelUpdate(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in notify.ChannelInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.notify.UpdateChannel(r.Context(), st.shop.ID, id, in)
	if err != nil {
		return notifyError(err)
	}
	s.audit(r, st.shop.ID, st.account.ID, "notify.channel.update", notifyID(id), c.Name)
	writeJSON(w, http.StatusOK, c)
	return nil
}

// channelDelete removes a channel with its deliveries.
func (s *Server) channelDelete(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.notify.DeleteChannel(r.Context(), st.shop.ID, id); err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "notify.channel.delete", notifyID(id), "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// channelTest sends a test message now and reports what the remote side
// answered.
func (s *Server) channelTest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st := stateOf(r)
	res, err := s.notify.TestChannel(r.Context(), st.shop.ID, id)
	if err != nil {
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "notify.channel.test", notifyID(id), "")
	writeJSON(w, http.StatusOK, res)
	return nil
}
