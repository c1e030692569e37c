package portail_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"portail"
)

func TestPlanSeats(t *testing.T) {
	want := map[portail.Plan]int{"starter": 1, "bronze": 1, "silver": 2, "gold": 3, "platinum": 5, "enterprise": 10}
	if len(portail.Plans) != len(want) {
		t.Fatalf("Plans = %v", portail.Plans)
	}
	for _, p := range portail.Plans {
		if !p.Valid() || p.Seats() != want[p] {
			t.Errorf("%s: valid %v, seats %d, want %d", p, p.Valid(), p.Seats(), want[p])
		}
	}
	if p := portail.Plan("diamond"); p.Valid() || p.Seats() != 0 {
		t.Errorf("unknown plan: valid %v, seats %d", p.Valid(), p.Seats())
	}
	if portail.TrialSeats != 10 || portail.DefaultTrialDays != 30 || portail.ExtraSeatCents != 500 {
		t.Errorf("constants: trial %d seats, %d days, extra %d cents", portail.TrialSeats, portail.DefaultTrialDays, portail.ExtraSeatCents)
	}
}

// TestAccountSeats is the table of the counting rules (S1–S5): the seats a
// plan, a running or ended trial and extra seats give, against the users who
// count (invited and active, as UsedSeats).
func TestAccountSeats(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	future, past, exact := now.Add(24*time.Hour), now.Add(-time.Second), now
	tests := []struct {
		name  string
		plan  portail.Plan
		trial *time.Time
		extra int
		used  int

		inTrial                bool
		included, limit, avail int
		unusedExtra, costCents int
		addOK                  bool // CheckSeats(now, 1)
	}{
		{name: "starter empty", plan: "starter", used: 0, included: 1, limit: 1, avail: 1, addOK: true},
		{name: "starter full", plan: "starter", used: 1, included: 1, limit: 1, avail: 0},
		{name: "bronze full", plan: "bronze", used: 1, included: 1, limit: 1, avail: 0},
		{name: "silver one free", plan: "silver", used: 1, included: 2, limit: 2, avail: 1, addOK: true},
		{name: "silver full", plan: "silver", used: 2, included: 2, limit: 2, avail: 0},
		{name: "gold two used", plan: "gold", used: 2, included: 3, limit: 3, avail: 1, addOK: true},
		{name: "gold full", plan: "gold", used: 3, included: 3, limit: 3, avail: 0},
		{name: "platinum full", plan: "platinum", used: 5, included: 5, limit: 5, avail: 0},
		{name: "platinum four", plan: "platinum", used: 4, included: 5, limit: 5, avail: 1, addOK: true},
		{name: "enterprise nine", plan: "enterprise", used: 9, included: 10, limit: 10, avail: 1, addOK: true},
		{name: "enterprise full", plan: "enterprise", used: 10, included: 10, limit: 10, avail: 0},

		// Extra seats: 500 cents each per month, counted on top of the plan.
		{name: "gold +1 full", plan: "gold", extra: 1, used: 4, included: 3, limit: 4, avail: 0, unusedExtra: 0, costCents: 500},
		{name: "gold +1 three used", plan: "gold", extra: 1, used: 3, included: 3, limit: 4, avail: 1, unusedExtra: 1, costCents: 500, addOK: true},
		{name: "gold +2 two used", plan: "gold", extra: 2, used: 2, included: 3, limit: 5, avail: 3, unusedExtra: 2, costCents: 1000, addOK: true},
		{name: "gold +2 four used", plan: "gold", extra: 2, used: 4, included: 3, limit: 5, avail: 1, unusedExtra: 1, costCents: 1000, addOK: true},
		{name: "starter +20", plan: "starter", extra: 20, used: 21, included: 1, limit: 21, avail: 0, costCents: 10000},

		// Trial: 10 seats (or the plan's, if more) until trial_ends_at.
		{name: "trial starter", plan: "starter", trial: &future, used: 3, inTrial: true, included: 10, limit: 10, avail: 7, addOK: true},
		{name: "trial starter full", plan: "starter", trial: &future, used: 10, inTrial: true, included: 10, limit: 10, avail: 0},
		{name: "trial enterprise", plan: "enterprise", trial: &future, used: 10, inTrial: true, included: 10, limit: 10, avail: 0},
		{name: "trial +1 extra", plan: "gold", trial: &future, extra: 1, used: 10, inTrial: true, included: 10, limit: 11, avail: 1, unusedExtra: 1, costCents: 500, addOK: true},
		{name: "trial +2 extra mostly empty", plan: "gold", trial: &future, extra: 2, used: 2, inTrial: true, included: 10, limit: 12, avail: 10, unusedExtra: 2, costCents: 1000, addOK: true},

		// Trial ended: the plan's seats apply; users beyond stay but
		// availability never goes negative.
		{name: "trial ended starter over", plan: "starter", trial: &past, used: 8, included: 1, limit: 1, avail: 0},
		{name: "trial ends exactly now", plan: "gold", trial: &exact, used: 3, included: 3, limit: 3, avail: 0},
		{name: "trial ended gold under", plan: "gold", trial: &past, used: 2, included: 3, limit: 3, avail: 1, addOK: true},
		{name: "trial ended +2 still over", plan: "starter", trial: &past, extra: 2, used: 8, included: 1, limit: 3, avail: 0, unusedExtra: 0, costCents: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &portail.Account{Plan: tt.plan, TrialEndsAt: tt.trial, ExtraSeats: tt.extra, UsedSeats: tt.used}
			if got := a.InTrial(now); got != tt.inTrial {
				t.Errorf("InTrial = %v, want %v", got, tt.inTrial)
			}
			if got := a.IncludedSeats(now); got != tt.included {
				t.Errorf("IncludedSeats = %d, want %d", got, tt.included)
			}
			if got := a.SeatLimit(now); got != tt.limit {
				t.Errorf("SeatLimit = %d, want %d", got, tt.limit)
			}
			if got := a.AvailableSeats(now); got != tt.avail {
				t.Errorf("AvailableSeats = %d, want %d", got, tt.avail)
			}
			if got := a.UnusedExtraSeats(now); got != tt.unusedExtra {
				t.Errorf("UnusedExtraSeats = %d, want %d", got, tt.unusedExtra)
			}
			if got := a.MonthlyCostCents(); got != tt.costCents {
				t.Errorf("MonthlyCostCents = %d, want %d", got, tt.costCents)
			}
			err := a.CheckSeats(now, 1)
			if (err == nil) != tt.addOK {
				t.Fatalf("CheckSeats(1) = %v, want ok %v", err, tt.addOK)
			}
			// Adding exactly the available seats always fits; one more never.
			if tt.avail > 0 {
				if err := a.CheckSeats(now, tt.avail); err != nil {
					t.Errorf("CheckSeats(%d available) = %v", tt.avail, err)
				}
			}
			if err := a.CheckSeats(now, tt.avail+1); portail.ErrorCode(err) != portail.ESEATLIMIT {
				t.Errorf("CheckSeats(%d) = %v, want seat_limit", tt.avail+1, err)
			}
			if err == nil {
				return
			}
			var e *portail.Error
			if !errors.As(err, &e) || e.Code != portail.ESEATLIMIT {
				t.Fatalf("err = %#v, want seat_limit", err)
			}
			if e.Plan != tt.plan || e.Limit != tt.limit {
				t.Errorf("Plan, Limit = %q, %d, want %q, %d", e.Plan, e.Limit, tt.plan, tt.limit)
			}
			// The message names the limit and how to add seats; the plan,
			// or the trial while it runs.
			if !strings.Contains(e.Message, strconv.Itoa(tt.limit)) {
				t.Errorf("message %q does not name the limit %d", e.Message, tt.limit)
			}
			if !strings.Contains(strings.ToLower(e.Message), "extra seats") {
				t.Errorf("message %q does not say how to add seats", e.Message)
			}
			what := string(tt.plan)
			if tt.inTrial {
				what = "trial"
			}
			if !strings.Contains(e.Message, what) {
				t.Errorf("message %q does not name %q", e.Message, what)
			}
		})
	}
}

// TestSeatLimitError checks the refusal of the gold account in full.
func TestSeatLimitError(t *testing.T) {
	now := time.Now()
	a := &portail.Account{Plan: portail.PlanGold, UsedSeats: 3}
	err := a.CheckSeats(now, 1)
	var e *portail.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if e.Code != portail.ESEATLIMIT || e.Plan != portail.PlanGold || e.Limit != 3 {
		t.Fatalf("err = %+v", e)
	}
	for _, s := range []string{"gold", "3", "extra seats", "/account/subscription"} {
		if !strings.Contains(e.Message, s) {
			t.Errorf("message %q lacks %q", e.Message, s)
		}
	}
	if portail.ErrorMessage(err) != e.Message {
		t.Errorf("ErrorMessage = %q", portail.ErrorMessage(err))
	}
	a.ExtraSeats = 1
	if err := a.CheckSeats(now, 1); err != nil {
		t.Fatalf("with one extra seat: %v", err)
	}
	a.UsedSeats = 4
	if err := a.CheckSeats(now, 1); !errors.As(err, &e) || e.Limit != 4 {
		t.Fatalf("with one extra seat, four used: %v", err)
	}
	// The plan's own seats, the extra and the total, each named: "allows 4
	// users" alone read as the gold plan's number.
	if e.Included != 3 || e.Extra != 1 || e.Used != 4 || e.Trial {
		t.Errorf("seat parts = %+v", e)
	}
	if want := "The gold plan includes 3 users, plus 1 extra seat: 4 in all, and 4 already count."; !strings.HasPrefix(e.Message, want) {
		t.Errorf("message %q, want it to start %q", e.Message, want)
	}
	// One included user is "1 user", not "1 users".
	a.Plan, a.ExtraSeats, a.UsedSeats = portail.PlanStarter, 0, 1
	if err := a.CheckSeats(now, 1); !errors.As(err, &e) {
		t.Fatalf("starter, one used: %v", err)
	}
	if want := "The starter plan includes 1 user, plus 0 extra seats: 1 in all, and 1 already count."; !strings.HasPrefix(e.Message, want) {
		t.Errorf("message %q, want it to start %q", e.Message, want)
	}
}

func TestSubscriptionUpdateValidate(t *testing.T) {
	p := func(s string) *portail.Plan { x := portail.Plan(s); return &x }
	n := func(i int) *int { return &i }
	tests := []struct {
		name   string
		u      portail.SubscriptionUpdate
		fields []string
	}{
		{"empty", portail.SubscriptionUpdate{}, nil},
		{"gold", portail.SubscriptionUpdate{Plan: p("gold")}, nil},
		{"extra 0", portail.SubscriptionUpdate{ExtraSeats: n(0)}, nil},
		{"extra max", portail.SubscriptionUpdate{ExtraSeats: n(portail.MaxExtraSeats)}, nil},
		{"unknown plan", portail.SubscriptionUpdate{Plan: p("diamond")}, []string{"plan"}},
		{"negative extra", portail.SubscriptionUpdate{ExtraSeats: n(-1)}, []string{"extra_seats"}},
		{"too many extra", portail.SubscriptionUpdate{ExtraSeats: n(portail.MaxExtraSeats + 1)}, []string{"extra_seats"}},
		{"both", portail.SubscriptionUpdate{Plan: p(""), ExtraSeats: n(-5)}, []string{"plan", "extra_seats"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.u.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var e *portail.Error
			if !errors.As(err, &e) || e.Code != portail.EINVALID || len(e.Fields) != len(tt.fields) {
				t.Fatalf("err = %#v", err)
			}
			for i, f := range tt.fields {
				if e.Fields[i].Field != f {
					t.Errorf("field %d = %q, want %q", i, e.Fields[i].Field, f)
				}
			}
		})
	}
}

// TestApplySubscription is the rule of a subscription change (S5): what
// changes, in which order, and that only a lowering of the limit below the
// users who count is refused, with the one seat-limit message.
func TestApplySubscription(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	trialEnd, trialEnded := now.Add(24*time.Hour), now.Add(-time.Hour)
	plan := func(p portail.Plan) *portail.Plan { return &p }
	n := func(i int) *int { return &i }
	mods := func(m portail.ModuleSet) *portail.ModuleSet { return &m }
	onb := func(o portail.Onboarding) *portail.Onboarding { return &o }
	acct := func(p portail.Plan, extra, used int, trial *time.Time) portail.Account {
		return portail.Account{ID: 7, Plan: p, ExtraSeats: extra, UsedSeats: used, TrialEndsAt: trial,
			Modules: portail.ModuleSet(1), Onboarding: portail.OnboardingInvitation}
	}
	tests := []struct {
		name    string
		a       portail.Account
		u       portail.SubscriptionUpdate
		changes string       // as the log writes them
		limit   int          // the refusal's limit; 0 when accepted
		plan    portail.Plan // the refusal's plan
		check   func(portail.Account) bool
	}{
		{name: "nothing", a: acct("gold", 1, 4, nil), u: portail.SubscriptionUpdate{}},
		{name: "the same values", a: acct("gold", 1, 4, nil), u: portail.SubscriptionUpdate{Plan: plan("gold"), ExtraSeats: n(1)}},
		{name: "a bigger plan", a: acct("silver", 0, 2, nil), u: portail.SubscriptionUpdate{Plan: plan("gold")},
			changes: "plan=silver->gold", check: func(a portail.Account) bool { return a.Plan == "gold" && a.ExtraSeats == 0 }},
		{name: "every field, in order", a: acct("silver", 0, 2, nil),
			u: portail.SubscriptionUpdate{Onboarding: onb(portail.OnboardingTemporaryPassword), Modules: mods(3), ExtraSeats: n(2), Plan: plan("gold")},
			changes: "plan=silver->gold extra_seats=0->2 modules=" + portail.ModuleSet(1).String() + "->" + portail.ModuleSet(3).String() +
				" onboarding=invitation->temporary_password",
			check: func(a portail.Account) bool {
				return a.Plan == "gold" && a.ExtraSeats == 2 && a.Modules == 3 && a.Onboarding == portail.OnboardingTemporaryPassword
			}},
		{name: "lowered to exactly the users who count", a: acct("gold", 2, 4, nil), u: portail.SubscriptionUpdate{ExtraSeats: n(1)},
			changes: "extra_seats=2->1"},
		{name: "extra seats below the users who count", a: acct("gold", 1, 4, nil), u: portail.SubscriptionUpdate{ExtraSeats: n(0)},
			limit: 3, plan: "gold"},
		{name: "a plan below the users who count", a: acct("gold", 0, 3, nil), u: portail.SubscriptionUpdate{Plan: plan("silver")},
			limit: 2, plan: "silver"},
		{name: "plan and extra seats together, still short", a: acct("silver", 2, 4, nil),
			u: portail.SubscriptionUpdate{Plan: plan("silver"), ExtraSeats: n(1)}, limit: 3, plan: "silver"},
		{name: "a smaller plan that the trial still covers", a: acct("gold", 0, 8, &trialEnd), u: portail.SubscriptionUpdate{Plan: plan("starter")},
			changes: "plan=gold->starter"},
		{name: "over the limit since the trial ended: other fields", a: acct("starter", 0, 5, &trialEnded),
			u: portail.SubscriptionUpdate{Modules: mods(3)}, changes: "modules=" + portail.ModuleSet(1).String() + "->" + portail.ModuleSet(3).String()},
		{name: "over the limit since the trial ended: a seat more", a: acct("starter", 0, 5, &trialEnded),
			u: portail.SubscriptionUpdate{ExtraSeats: n(1)}, changes: "extra_seats=0->1"},
		{name: "over the limit since the trial ended: lower still", a: acct("silver", 0, 5, &trialEnded),
			u: portail.SubscriptionUpdate{Plan: plan("starter")}, limit: 1, plan: "starter"},
		{name: "a smaller plan, the same limit", a: acct("silver", 0, 5, &trialEnded),
			u: portail.SubscriptionUpdate{Plan: plan("starter"), ExtraSeats: n(1)}, changes: "plan=silver->starter extra_seats=0->1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.a
			next, changes, err := tt.a.ApplySubscription(tt.u, now)
			if tt.a != before {
				t.Fatalf("the account itself changed: %+v", tt.a)
			}
			if tt.limit != 0 {
				var e *portail.Error
				if !errors.As(err, &e) || e.Code != portail.ESEATLIMIT || e.Limit != tt.limit || e.Plan != tt.plan || changes != nil || next != before {
					t.Fatalf("got %+v %v %#v, want ESEATLIMIT for %s at %d", next, changes, err, tt.plan, tt.limit)
				}
				// One seat-limit message: the one CheckSeats gives for the
				// subscription asked for.
				asked := before
				asked.Plan = tt.plan
				asked.ExtraSeats = tt.limit - asked.IncludedSeats(now)
				if want := asked.CheckSeats(now, 0); want == nil || e.Message != portail.ErrorMessage(want) {
					t.Errorf("message %q, want %v", e.Message, want)
				}
				for _, s := range []string{string(tt.plan), strconv.Itoa(tt.limit), strconv.Itoa(before.UsedSeats), "extra seats"} {
					if !strings.Contains(e.Message, s) {
						t.Errorf("message %q does not say %q", e.Message, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := changes.String(); got != tt.changes {
				t.Errorf("changes %q, want %q", got, tt.changes)
			}
			if tt.changes == "" && next != before {
				t.Errorf("no change, but %+v", next)
			}
			if tt.check != nil && !tt.check(next) {
				t.Errorf("account after %+v", next)
			}
		})
	}
}

// TestValidCurrency: three capitals, as ISO 4217 codes are.
func TestValidCurrency(t *testing.T) {
	for c, ok := range map[string]bool{"EUR": true, "USD": true, "CHF": true, "eur": false, "EU": false, "EURO": false, "": false, "E1R": false, "ÉUR": false} {
		if portail.ValidCurrency(c) != ok {
			t.Errorf("ValidCurrency(%q) = %v, want %v", c, !ok, ok)
		}
	}
}
