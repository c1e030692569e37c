package mail

import "portail"

// texts are the words of each e-mail, per language. Placeholders:
// {name} {username} {account} {link} {code} {password} {new_email} {base}
// {endpoint};
// {de_account} is French « de {account} », elided before a vowel
// (« d’Imprimerie »).
// The French wording follows the help pages users know.
type texts struct {
	Subject string
	Intro   []string // paragraphs before the action
	Button  string   // the link's label; empty for no link
	After   []string // paragraphs after the action
}

var catalogue = map[string]map[portail.EmailTemplate]texts{
	"fr": {
		portail.EmailInvitation: {
			Subject: "Bienvenue sur portail : paramétrez votre mot de passe",
			Intro: []string{"Bonjour {name},",
				"Un compte a été créé pour vous sur le portail {de_account}. Votre nom d’utilisateur est {username}.",
				"Cliquez sur le bouton ci-dessous pour paramétrer votre mot de passe et accéder au portail."},
			Button: "Paramétrer mon mot de passe",
			After:  []string{"Attention : le lien contenu dans cet e-mail a une durée de validité de 24 heures et ne sert qu’une fois."},
		},
		portail.EmailTemporaryPassword: {
			Subject: "Bienvenue sur portail : votre mot de passe temporaire",
			Intro: []string{"Bonjour {name},",
				"Un compte a été créé pour vous sur le portail {de_account}.",
				"Nom d’utilisateur :\n{username}",
				"Mot de passe :\n{password}",
				"Lors de la connexion, vous serez invité à remplacer ce mot de passe temporaire par un mot de passe permanent."},
			Button: "Se connecter",
		},
		portail.EmailPasswordReset: {
			Subject: "Instructions pour renouveler votre mot de passe",
			Intro: []string{"Bonjour {name},",
				"Une demande de nouveau mot de passe a été faite pour votre compte {username}.",
				"Cliquez sur le bouton « Paramétrer à nouveau le mot de passe » et saisissez ensuite le code de récupération figurant dans cet e-mail."},
			Button: "Paramétrer à nouveau le mot de passe",
			After: []string{"Code de récupération :\n{code}",
				"Le lien et le code sont valables 1 heure et ne servent qu’une fois. Si vous n’avez rien demandé, ignorez cet e-mail : votre mot de passe reste inchangé."},
		},
		portail.EmailPasswordChanged: {
			Subject: "Votre mot de passe a été modifié",
			Intro: []string{"Bonjour {name},",
				"Le mot de passe de votre compte {username} vient d’être modifié.",
				"Si ce n’était pas vous, contactez immédiatement l’administrateur de votre portail."},
		},
		portail.EmailMFAReset: {
			Subject: "Votre double authentification a été réinitialisée",
			Intro: []string{"Bonjour {name},",
				"Un administrateur a supprimé les seconds facteurs (application d’authentification, clés d’accès, codes de secours) de votre compte {username}. Votre mot de passe suffit désormais pour vous connecter ; ajoutez un nouveau second facteur depuis votre profil.",
				"Si vous n’avez rien demandé, contactez immédiatement l’administrateur de votre portail."},
		},
		portail.EmailAddressChanged: {
			Subject: "Votre adresse e-mail a été modifiée",
			Intro: []string{"Bonjour {name},",
				"L’adresse e-mail de votre compte {username} a été remplacée par {new_email}.",
				"Si ce n’était pas vous, contactez immédiatement l’administrateur de votre portail."},
		},
		portail.EmailConfirmAddress: {
			Subject: "Confirmez votre nouvelle adresse e-mail",
			Intro: []string{"Bonjour {name},",
				"Vous avez demandé que l’adresse e-mail de votre compte {username} devienne {new_email}.",
				"Cliquez sur le bouton ci-dessous pour confirmer cette adresse. D’ici là, votre adresse actuelle reste en vigueur."},
			Button: "Confirmer mon adresse e-mail",
			After:  []string{"Le lien est valable 24 heures et ne sert qu’une fois. Si vous n’avez rien demandé, ignorez cet e-mail : l’adresse du compte ne changera pas."},
		},
		portail.EmailWebhookDisabled: {
			Subject: "Un webhook a été désactivé",
			Intro: []string{"Bonjour {name},",
				"Depuis un jour, chaque envoi du portail {de_account} vers l’adresse {endpoint} échoue. Nous avons donc désactivé ce webhook : plus aucun événement n’y est envoyé.",
				"Une fois le problème réglé chez le destinataire, réactivez le webhook sur la page Webhooks ; vous pouvez y renvoyer les événements manqués depuis le journal des envois."},
			Button: "Ouvrir la page Webhooks",
		},
	},
	"en": {
		portail.EmailInvitation: {
			Subject: "Welcome to portail: set your password",
			Intro: []string{"Hello {name},",
				"An account was created for you on the portal of {account}. Your username is {username}.",
				"Click the button below to set your password and access the portal."},
			Button: "Set my password",
			After:  []string{"Note: the link in this e-mail is valid for 24 hours and works once."},
		},
		portail.EmailTemporaryPassword: {
			Subject: "Welcome to portail: your temporary password",
			Intro: []string{"Hello {name},",
				"An account was created for you on the portal of {account}.",
				"Username:\n{username}",
				"Password:\n{password}",
				"When you sign in, you will be asked to replace this temporary password with a permanent one."},
			Button: "Sign in",
		},
		portail.EmailPasswordReset: {
			Subject: "Instructions to reset your password",
			Intro: []string{"Hello {name},",
				"A new password was requested for your account {username}.",
				"Click the \"Reset password\" button, then enter the recovery code shown in this e-mail."},
			Button: "Reset password",
			After: []string{"Recovery code:\n{code}",
				"The link and the code are valid for 1 hour and work once. If you did not ask for this, ignore this e-mail: your password stays unchanged."},
		},
		portail.EmailPasswordChanged: {
			Subject: "Your password was changed",
			Intro: []string{"Hello {name},",
				"The password of your account {username} was just changed.",
				"If this was not you, contact your portal's administrator at once."},
		},
		portail.EmailMFAReset: {
			Subject: "Your second factors were reset",
			Intro: []string{"Hello {name},",
				"An administrator removed the second factors (authenticator app, passkeys, recovery codes) of your account {username}. Your password alone now signs you in; add a new second factor from your profile.",
				"If you did not ask for this, contact your portal's administrator at once."},
		},
		portail.EmailAddressChanged: {
			Subject: "Your e-mail address was changed",
			Intro: []string{"Hello {name},",
				"The e-mail address of your account {username} was replaced by {new_email}.",
				"If this was not you, contact your portal's administrator at once."},
		},
		portail.EmailConfirmAddress: {
			Subject: "Confirm your new e-mail address",
			Intro: []string{"Hello {name},",
				"You asked for the e-mail address of your account {username} to become {new_email}.",
				"Click the button below to confirm this address. Until then, your current address stays in use."},
			Button: "Confirm my e-mail address",
			After:  []string{"The link is valid for 24 hours and works once. If you did not ask for this, ignore this e-mail: the account's address will not change."},
		},
		portail.EmailWebhookDisabled: {
			Subject: "A webhook was disabled",
			Intro: []string{"Hello {name},",
				"For a day, every delivery from the {account} portal to {endpoint} has failed, so we disabled this webhook: no more events are sent there.",
				"Once the receiver is fixed, enable the webhook again on the Webhooks page; its delivery log lets you resend the events it missed."},
			Button: "Open the Webhooks page",
		},
	},
	"nl": {
		portail.EmailInvitation: {
			Subject: "Welkom bij portail: stel uw wachtwoord in",
			Intro: []string{"Hallo {name},",
				"Er is een account voor u aangemaakt op het portaal van {account}. Uw gebruikersnaam is {username}.",
				"Klik op de knop hieronder om uw wachtwoord in te stellen en het portaal te openen."},
			Button: "Mijn wachtwoord instellen",
			After:  []string{"Let op: de link in deze e-mail is 24 uur geldig en werkt één keer."},
		},
		portail.EmailTemporaryPassword: {
			Subject: "Welkom bij portail: uw tijdelijke wachtwoord",
			Intro: []string{"Hallo {name},",
				"Er is een account voor u aangemaakt op het portaal van {account}.",
				"Gebruikersnaam:\n{username}",
				"Wachtwoord:\n{password}",
				"Bij het aanmelden wordt u gevraagd dit tijdelijke wachtwoord te vervangen door een definitief wachtwoord."},
			Button: "Aanmelden",
		},
		portail.EmailPasswordReset: {
			Subject: "Instructies om uw wachtwoord te herstellen",
			Intro: []string{"Hallo {name},",
				"Er is een nieuw wachtwoord aangevraagd voor uw account {username}.",
				"Klik op de knop \"Wachtwoord opnieuw instellen\" en voer daarna de herstelcode uit deze e-mail in."},
			Button: "Wachtwoord opnieuw instellen",
			After: []string{"Herstelcode:\n{code}",
				"De link en de code zijn 1 uur geldig en werken één keer. Hebt u niets aangevraagd, negeer dan deze e-mail: uw wachtwoord blijft ongewijzigd."},
		},
		portail.EmailPasswordChanged: {
			Subject: "Uw wachtwoord is gewijzigd",
			Intro: []string{"Hallo {name},",
				"Het wachtwoord van uw account {username} is zojuist gewijzigd.",
				"Was u dit niet, neem dan onmiddellijk contact op met de beheerder van uw portaal."},
		},
		portail.EmailMFAReset: {
			Subject: "Uw tweede factoren zijn gereset",
			Intro: []string{"Hallo {name},",
				"Een beheerder heeft de tweede factoren (authenticator-app, passkeys, herstelcodes) van uw account {username} verwijderd. Uw wachtwoord alleen meldt u nu aan; voeg een nieuwe tweede factor toe via uw profiel.",
				"Hebt u dit niet gevraagd, neem dan onmiddellijk contact op met de beheerder van uw portaal."},
		},
		portail.EmailAddressChanged: {
			Subject: "Uw e-mailadres is gewijzigd",
			Intro: []string{"Hallo {name},",
				"Het e-mailadres van uw account {username} is vervangen door {new_email}.",
				"Was u dit niet, neem dan onmiddellijk contact op met de beheerder van uw portaal."},
		},
		portail.EmailConfirmAddress: {
			Subject: "Bevestig uw nieuwe e-mailadres",
			Intro: []string{"Hallo {name},",
				"U hebt gevraagd om het e-mailadres van uw account {username} te wijzigen in {new_email}.",
				"Klik op de knop hieronder om dit adres te bevestigen. Tot dan blijft uw huidige adres in gebruik."},
			Button: "Mijn e-mailadres bevestigen",
			After:  []string{"De link is 24 uur geldig en werkt één keer. Hebt u niets aangevraagd, negeer dan deze e-mail: het adres van het account verandert niet."},
		},
		portail.EmailWebhookDisabled: {
			Subject: "Een webhook is uitgeschakeld",
			Intro: []string{"Hallo {name},",
				"Al een dag mislukt elke verzending van het portaal van {account} naar {endpoint}. Daarom hebben we deze webhook uitgeschakeld: er worden geen gebeurtenissen meer naartoe gestuurd.",
				"Is het probleem bij de ontvanger opgelost, schakel de webhook dan weer in op de pagina Webhooks; via het verzendlogboek kunt u daar gemiste gebeurtenissen opnieuw versturen."},
			Button: "De pagina Webhooks openen",
		},
	},
}

// redactedNote replaces a secret erased after delivery.
var redactedNote = map[string]string{
	"fr": "[effacé après l’envoi]",
	"en": "[erased after delivery]",
	"nl": "[gewist na verzending]",
}
