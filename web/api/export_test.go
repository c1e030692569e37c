package api

import "portail"

// Schemas are the shapes the handlers write, by the name of their schema
// in openapi.json, for the test that compares them.
var Schemas = map[string]any{
	"User":            userJSON{},
	"Department":      departmentJSON{},
	"Account":         accountJSON{},
	"Seats":           accountJSON{}.Seats,
	"APIKeyCreated":   apiKeyJSON{},
	"Email":           emailJSON{},
	"Activity":        activityJSON{},
	"Actor":           actorJSON{},
	"Document":        documentJSON{},
	"PartnerClaim":    claimJSON{},
	"Label":           labelJSON{},
	"Address":         labelJSON{}.Sender,
	"Change":          changeJSON{},
	"ReportSummary":   reportJSON{},
	"ReportRow":       reportRowJSON{},
	"Problem":         problem{},
	"Webhook":         webhookJSON{},
	"WebhookDelivery": webhookAttemptJSON{},
	"Factor":          factorJSON{},
}

// ChangeActor is the actor of a history line as the API writes it.
func ChangeActor(c *portail.Change) any { return changeActor(c) }
