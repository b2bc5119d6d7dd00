package verifiable

// Vocabulary the generators draw from. Read-only tables: tasks must be
// the same on every node, so these lists only ever grow by appending a new
// list, never by editing one in place (that would change which task a
// given seed produces for contests started after an upgrade; stored
// contests keep their task either way).
var (
	people = []string{"Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Iris", "Jonas",
		"Keiko", "Liam", "Maya", "Nils", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara"}
	cities = []string{"Lisbon", "Oslo", "Nairobi", "Osaka", "Lima", "Dublin", "Hanoi", "Quito", "Tallinn", "Perth",
		"Porto", "Accra", "Bergen", "Cusco", "Kyoto"}
	items = []string{"pencils", "apples", "candles", "bottles", "tiles", "eggs", "cups", "books", "lamps", "jars"}
	nouns = []string{"river", "garden", "window", "planet", "silver", "market", "ladder", "thunder", "orange",
		"pocket", "castle", "harbor", "meadow", "violet", "copper", "lantern", "forest", "bridge", "marble", "falcon"}
	weekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	phrases  = []string{
		"the quick brown fox jumps over the lazy dog",
		"every river finds its way to the sea",
		"a stitch in time saves nine",
		"green lanterns glow along the quiet harbor",
		"seven silver keys open the old castle gate",
		"morning light falls softly on the meadow",
		"the market opens early on busy mondays",
		"small steps lead to remarkable journeys",
	}
)
