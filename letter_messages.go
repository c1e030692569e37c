package portail

import (
	"fmt"
	"strings"
)

// Message renders the problem in lang (fr, nl or en; another language is
// DefaultLanguage): what is wrong, where, and what to do about it. The
// words are Belgian office French, Flemish-neutral Dutch and plain
// English; the figures use the language's decimal mark.
func (p Problem) Message(lang string) string {
	if !ValidLanguage(lang) {
		lang = DefaultLanguage
	}
	w := problemWords[lang]
	value := func(i int) string {
		if i < len(p.Values) {
			return p.Values[i]
		}
		return "?"
	}
	where := w.document
	if p.Page > 0 {
		where = fmt.Sprintf(w.page, p.Page)
	}
	switch p.Code {
	case ProblemPageSize:
		size := value(0)
		if lang != "en" {
			size = strings.ReplaceAll(size, ".", ",")
		}
		return fmt.Sprintf(w.pageSize, where, size)
	case ProblemTooManyPages:
		return fmt.Sprintf(w.tooManyPages, value(0), value(1))
	case ProblemOutsidePrintableArea:
		return fmt.Sprintf(w.outside, where, fmtMM(PrintMargin, lang))
	case ProblemAddressNotFound:
		return fmt.Sprintf(w.notFound, windowSide(p, w))
	case ProblemAddressIncomplete:
		var parts []string
		for _, v := range p.Values {
			switch v {
			case "postal_code":
				parts = append(parts, w.postalCode)
			case "city":
				parts = append(parts, w.city)
			default:
				parts = append(parts, v)
			}
		}
		if len(parts) == 0 {
			parts = []string{w.postalCode, w.city}
		}
		verb := w.missingOne
		if len(parts) > 1 {
			verb = w.missingMany
		}
		return fmt.Sprintf(w.incomplete, fmt.Sprintf(verb, strings.Join(parts, w.and)))
	case ProblemFontNotEmbedded:
		ref := ""
		if p.Page > 0 {
			ref = fmt.Sprintf(w.onPage, p.Page)
		}
		return fmt.Sprintf(w.font, value(0), ref)
	}
	return fmt.Sprintf(w.other, string(p.Code))
}

// windowSide names the window a problem's zone is in: its zone left of
// the page's middle is the left window.
func windowSide(p Problem, w problemText) string {
	if len(p.Zones) > 0 && p.Zones[0].X < A4Width/2-p.Zones[0].W/2 {
		return w.left
	}
	return w.right
}

func fmtMM(mm float64, lang string) string {
	s := strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", mm), "0"), ".")
	if lang != "en" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

type problemText struct {
	page, document                            string
	pageSize, tooManyPages, outside, notFound string
	incomplete, font, other                   string
	postalCode, city, and, left, right        string
	missingOne, missingMany, onPage           string
}

var problemWords = map[string]problemText{
	"fr": {
		page:         "La page %d",
		document:     "Le document",
		pageSize:     "%s mesure %s mm au lieu du format A4 portrait (210 × 297 mm). Enregistrez le document au format A4 portrait, puis remplacez le fichier.",
		tooManyPages: "Le document compte %s pages ; un courrier en compte au plus %s. Scindez-le en plusieurs envois, puis remplacez le fichier.",
		outside:      "%s dépasse la zone imprimable : rien ne peut être imprimé à moins de %s mm du bord. Déplacez ou réduisez ce qui touche le bord, puis remplacez le fichier.",
		notFound:     "Aucune adresse n’a été trouvée dans la fenêtre %s de l’enveloppe, sur la page 1. Placez l’adresse du destinataire dans cette zone, choisissez l’autre fenêtre ou indiquez le destinataire : une page d’adresse sera alors ajoutée en tête du courrier.",
		incomplete:   "L’adresse lue dans la fenêtre de l’enveloppe est incomplète : %s. Vérifiez aussi que le code postal a la forme attendue dans le pays du destinataire. Complétez l’adresse sur la page 1 puis remplacez le fichier, ou indiquez le destinataire : une page d’adresse sera alors ajoutée en tête du courrier.",
		font:         "La police « %s » n’est pas incorporée au document%s : l’imprimeur ne pourrait pas l’utiliser. Exportez à nouveau le PDF en incorporant les polices, puis remplacez le fichier.",
		other:        "Le document ne peut pas être imprimé tel quel (problème « %s »). Corrigez-le, puis remplacez le fichier.",
		postalCode:   "le code postal",
		city:         "la localité",
		and:          " et ",
		left:         "de gauche",
		right:        "de droite",
		missingOne:   "il manque %s",
		missingMany:  "il manque %s",
		onPage:       " (page %d)",
	},
	"nl": {
		page:         "Pagina %d",
		document:     "Het document",
		pageSize:     "%s meet %s mm in plaats van A4 staand (210 × 297 mm). Sla het document op als A4 staand en vervang daarna het bestand.",
		tooManyPages: "Het document telt %s pagina’s; een brief telt er hoogstens %s. Verdeel het over meerdere zendingen en vervang daarna het bestand.",
		outside:      "%s komt buiten het afdrukbare gebied: binnen %s mm van de rand kan niets worden afgedrukt. Verplaats of verklein wat de rand raakt en vervang daarna het bestand.",
		notFound:     "In het %s venster van de envelop is op pagina 1 geen adres gevonden. Plaats het adres van de bestemmeling in die zone, kies het andere venster of geef de bestemmeling op: dan wordt vooraan een adrespagina toegevoegd.",
		incomplete:   "Het adres in het venster van de envelop is onvolledig: %s. Kijk ook na of de postcode de vorm heeft die in het land van de bestemmeling gebruikelijk is. Vul het adres op pagina 1 aan en vervang daarna het bestand, of geef de bestemmeling op: dan wordt vooraan een adrespagina toegevoegd.",
		font:         "Het lettertype ‘%s’ is niet ingesloten in het document%s: de drukker zou het niet kunnen gebruiken. Exporteer de pdf opnieuw met ingesloten lettertypes en vervang daarna het bestand.",
		other:        "Het document kan niet worden afgedrukt zoals het is (probleem ‘%s’). Verbeter het en vervang daarna het bestand.",
		postalCode:   "de postcode",
		city:         "de gemeente",
		and:          " en ",
		left:         "linkse",
		right:        "rechtse",
		missingOne:   "%s ontbreekt",
		missingMany:  "%s ontbreken",
		onPage:       " (pagina %d)",
	},
	"en": {
		page:         "Page %d",
		document:     "The document",
		pageSize:     "%s measures %s mm instead of A4 portrait (210 × 297 mm). Save the document as A4 portrait, then replace the file.",
		tooManyPages: "The document has %s pages; a letter has at most %s. Split it into several letters, then replace the file.",
		outside:      "%s goes beyond the printable area: nothing can be printed within %s mm of the edge. Move or shrink what touches the edge, then replace the file.",
		notFound:     "No address was found in the %s window of the envelope on page 1. Put the recipient’s address in that zone, choose the other window, or give the recipient: an address page is then added in front of the letter.",
		incomplete:   "The address in the envelope’s window is incomplete: %s. Check too that the postal code has the form used in the recipient’s country. Complete the address on page 1 and replace the file, or give the recipient: an address page is then added in front of the letter.",
		font:         "The font “%s” is not embedded in the document%s: the printer could not use it. Export the PDF again with its fonts embedded, then replace the file.",
		other:        "The document cannot be printed as it is (problem “%s”). Correct it, then replace the file.",
		postalCode:   "the postal code",
		city:         "the city",
		and:          " and ",
		left:         "left",
		right:        "right",
		missingOne:   "%s is missing",
		missingMany:  "%s are missing",
		onPage:       " (page %d)",
	},
}
