package config

import (
	"flag"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// TestNotifyAllowPrivate reads the networks pushes may reach: CIDRs and
// single addresses, from the flag or the variable; anything else names the
// setting in the error.
func TestNotifyAllowPrivate(t *testing.T) {
	for _, tt := range []struct {
		name    string
		args    []string
		env     map[string]string
		want    []netip.Prefix
		wantErr string
	}{
		{name: "default refuses all", want: nil},
		{name: "flag", args: []string{"--notify-allow-private", "10.1.2.0/24, 127.0.0.1"},
			want: []netip.Prefix{netip.MustParsePrefix("10.1.2.0/24"), netip.MustParsePrefix("127.0.0.1/32")}},
		{name: "env, masked", env: map[string]string{"XIAOER_NOTIFY_ALLOW_PRIVATE": "192.168.7.9/16,::1"},
			want: []netip.Prefix{netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("::1/128")}},
		{name: "bad", args: []string{"--notify-allow-private", "intranet"}, wantErr: "notify-allow-private"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(flag.NewFlagSet("serve", flag.ContinueOnError), tt.args, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.NotifyAllowPrivate, tt.want) {
				t.Errorf("networks %v, want %v", c.NotifyAllowPrivate, tt.want)
			}
		})
	}
}
