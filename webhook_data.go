package portail

import (
	"encoding/json"
	"time"
)

// The data of webhook events is the item as the API shows it (SPEC §9
// "Letters": "the document, label or user as the API shows it"). Storage
// writes events in the transaction of the change and must not depend on
// the API, so the shapes are built here from the domain types; the API's
// own JSON (web/api documentJSON, labelJSON, userJSON) must keep the same
// keys, which web/api's TestWebhookDataMirrorsAPI checks.

// DocumentData is a document as events carry it; the problems' messages
// are in English (events go to programs, not to a reader's language).
func DocumentData(d *Document) map[string]any {
	problems := make([]map[string]any, len(d.Problems))
	for i, p := range d.Problems {
		var page *int
		if p.Page > 0 {
			n := p.Page
			page = &n
		}
		problems[i] = map[string]any{"code": string(p.Code), "page": page, "message": p.Message("en")}
	}
	var price *int64
	if d.Priced {
		n := d.PriceCents
		price = &n
	}
	return map[string]any{"id": d.ID, "name": d.Name, "department_id": d.DepartmentID, "module": d.Module.String(),
		"sender_id": d.SenderID, "sender_name": d.SenderName.String(), "status": string(d.Status), "size": d.Size,
		"created_at": d.CreatedAt.UTC(), "updated_at": d.UpdatedAt.UTC(),
		"pages": d.Pages, "sheets": d.Sheets,
		"options": map[string]any{"color": d.Options.Color, "duplex": d.Options.Duplex, "postage": string(d.Options.Postage),
			"registered": d.Options.Registered, "window": string(d.Options.Window)},
		"recipient": d.Recipient, "address_page": d.AddressPage(), "price_cents": price, "currency": d.Currency,
		"problems": problems, "cancel_until": d.CancelUntil, "send_at": d.Times.SendAt,
		"tracking_number": d.TrackingNumber, "return_reason": d.ReturnReason, "failure_reason": d.FailureReason}
}

// LabelData is a label as events carry it.
func LabelData(l *Label) map[string]any {
	return map[string]any{"id": l.ID, "tracking_number": l.TrackingNumber, "status": string(l.Status),
		"department_id": l.DepartmentID, "creator_id": l.CreatorID, "creator_name": l.CreatorName.String(),
		"sender": l.Sender, "recipient": l.Recipient, "weight_grams": l.WeightGrams,
		"created_at": l.CreatedAt.UTC(), "updated_at": l.UpdatedAt.UTC()}
}

// UserData is a user as events carry it (an admin's view: no pending
// e-mail change, which only its owner sees).
func UserData(u *User) map[string]any {
	var dept *int64
	if u.DepartmentID != 0 {
		d := u.DepartmentID
		dept = &d
	}
	var last *time.Time
	if u.LastLoginAt != nil {
		t := u.LastLoginAt.UTC()
		last = &t
	}
	return map[string]any{"id": u.ID, "username": u.Username, "full_name": u.FullName, "email": u.Email,
		"role": u.Role.String(), "department_id": dept, "modules": u.Modules.Strings(), "status": string(u.Status),
		"language": u.Language, "created_at": u.CreatedAt.UTC(), "last_login_at": last}
}

// StatusChangeData is the data of a *.status_changed event: the item
// under its kind's name, with from and to.
func StatusChangeData(kind string, item map[string]any, from, to string) (json.RawMessage, error) {
	return json.Marshal(map[string]any{kind: item, "from": from, "to": to})
}

// UserEventData is the data of a user.* event.
func UserEventData(u *User) (json.RawMessage, error) {
	return json.Marshal(map[string]any{"user": UserData(u)})
}
