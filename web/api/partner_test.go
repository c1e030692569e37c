package api_test

import (
	"encoding/json"
	"testing"

	"portail"
	"portail/web/api"
)

// TestPartnerActor: a history line by a print partner is written with the
// kind partner and its name; a user's and the system's are unchanged.
func TestPartnerActor(t *testing.T) {
	for _, tt := range []struct {
		change portail.Change
		want   string
	}{
		{portail.Change{Partner: "Imprimerie Dupont"}, `{"kind":"partner","id":null,"name":"Imprimerie Dupont","username":null}`},
		{portail.Change{System: portail.SystemSimulator}, `{"kind":"system","id":null,"name":null,"username":null}`},
		{portail.Change{ActorID: 7, ActorName: portail.UserName{FullName: "Ann", Username: "ann"}}, `{"kind":"user","id":7,"name":"Ann","username":"ann"}`},
	} {
		got, _ := json.Marshal(api.ChangeActor(&tt.change))
		if string(got) != tt.want {
			t.Errorf("%+v: %s, want %s", tt.change, got, tt.want)
		}
	}
}
