package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"portail"
)

// decodeLetterDefaults reads a department's letter_defaults: null removes
// them; an object replaces them whole, a member it leaves out taking the
// installation's default (black and white, duplex, non prior, not
// registered, right window), so that {"window": "left"} means "the usual,
// with the left window".
func decodeLetterDefaults(raw json.RawMessage) (*portail.LetterOptions, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	o := portail.DefaultLetterOptions()
	if err := decodeJSON(raw, &o); err != nil {
		return nil, prefixFields(err, "letter_defaults")
	}
	return &o, nil
}

type accountSettingsJSON struct {
	LetterCancellationMinutes int    `json:"letter_cancellation_minutes"`
	Country                   string `json:"country"`
}

func toAccountSettingsJSON(s *portail.AccountSettings) accountSettingsJSON {
	return accountSettingsJSON{LetterCancellationMinutes: s.LetterCancellationMinutes, Country: s.Country}
}

func (s *Handler) getAccountSettings(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	st, err := s.Accounts.AccountSettings(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAccountSettingsJSON(st))
}

// putAccountSettings is partial, as PUT /account/subscription is: a
// member left out is unchanged.
func (s *Handler) putAccountSettings(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	var req struct {
		LetterCancellationMinutes *int    `json:"letter_cancellation_minutes"`
		Country                   *string `json:"country"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	u := portail.AccountSettingsUpdate{LetterCancellationMinutes: req.LetterCancellationMinutes}
	if req.Country != nil {
		c := strings.ToUpper(strings.TrimSpace(*req.Country))
		u.Country = &c
	}
	st, err := s.Accounts.UpdateAccountSettings(r.Context(), u)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAccountSettingsJSON(st))
}

// tariffJSON is the installation's tariff as GET /tariff shows it: the
// prices in cents of currency, VAT excluded, and the page limit.
type tariffJSON struct {
	*portail.Tariff
	PricesExcludeVAT bool `json:"prices_exclude_vat"`
	MaxPages         int  `json:"max_pages"`
}

func (s *Handler) getTariff(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	return writeJSON(w, http.StatusOK, tariffJSON{Tariff: s.site.Tariff(), PricesExcludeVAT: true, MaxPages: s.site.MaxPages()})
}
