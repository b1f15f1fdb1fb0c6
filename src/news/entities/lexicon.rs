//! Word lists the entity rules consult besides the gazetteer: the shapes of organisation and place
//! names (suffixes, prefixes) and the words around a name that say what it is (roles, place nouns,
//! prepositions). Data only.

use super::super::text::WordSet;

/// Last words that make a run an organization.
#[rustfmt::skip]
pub(super) static ORG_SUFFIXES: WordSet = WordSet::new(&[
    "Inc", "Corp", "Corporation", "Co", "Company", "Ltd", "LLC", "PLC", "Plc", "AG", "SA", "GmbH", "Group",
    "Holdings", "Bank", "University", "College", "Institute", "School", "Academy", "Court", "Party",
    "Ministry", "Department", "Agency", "Council", "Commission", "Committee", "Association", "Foundation",
    "Fund", "Organization", "Organisation", "Union", "Federation", "League", "Club", "FC", "Authority",
    "Board", "Office", "Army", "Navy", "Force", "Forces", "Guard", "Police", "Service", "Services", "Network",
    "Airlines", "Airline", "Productions", "Protection", "Forum", "Clinic", "Klinik", "Airways", "Shelter", "Trust", "Institution", "Commission", "Motors", "Technologies", "Systems", "Partners", "Capital", "Times", "Post",
    "Journal", "News", "Press", "Media", "Industries", "Laboratories", "Labs", "Pharmaceuticals", "Society",
    "Centre", "Center", "Hospital", "Museum", "Church", "Parliament", "Assembly", "Senate", "Congress",
    "Cabinet", "Bureau", "Administration", "Coalition", "Alliance", "Movement", "Front", "Brigade",
    "Brothers", "Records", "Studios", "Entertainment", "Energy", "Oil", "Telecom", "Airport", "Team",
    "Tribunal", "Secretariat",
]);

/// First words that make a run an organization when "of" follows ("University of Pennsylvania").
#[rustfmt::skip]
pub(super) static ORG_PREFIXES: WordSet = WordSet::new(&[
    "University", "Bank", "Ministry", "Department", "Museum", "Church", "Office", "Institute", "College",
    "Council", "Court", "House", "Board", "Federation", "Association", "Union", "Academy", "School",
]);

/// Capitalized last words that make a run a place ("Orange County", "Kansas City").
#[rustfmt::skip]
pub(super) static PLACE_SUFFIXES: WordSet = WordSet::new(&[
    "County", "Province", "Region", "Oblast", "District", "Island", "Islands", "City", "Valley", "Mountains",
    "River", "Lake", "Bay", "Beach", "Heights", "Peninsula", "Strait", "Sea", "Ocean", "Desert", "Canyon",
    "Township", "Prefecture", "Governorate", "Territory", "Parish", "Borough", "Coast", "Plateau", "Plain",
    "Plains", "Gulf", "Hills", "Range", "Glacier", "Delta", "Basin", "Highlands", "Archipelago",
]);

/// Lowercase words after a name that make it a place ("Dnipropetrovsk region").
#[rustfmt::skip]
pub(super) static PLACE_NOUNS: WordSet = WordSet::new(&[
    "region", "province", "oblast", "county", "district", "state", "city", "village", "town", "island",
    "prefecture", "governorate", "area", "neighborhood", "neighbourhood", "suburb", "municipality", "port",
    "enclave", "territory", "border", "police", "residents", "township",
]);

/// Lowercase role words before a name that make it a person ("coach Anthony Lynn").
#[rustfmt::skip]
pub(super) static ROLE_NOUNS: WordSet = WordSet::new(&[
    "president", "minister", "secretary", "senator", "governor", "mayor", "coach", "spokesman", "spokeswoman",
    "commander", "farmer", "resident", "owner", "victim", "suspect", "witness", "student", "teacher", "nurse",
    "doctor", "physician", "surgeon", "engineer", "worker", "employee", "organizer", "organiser",
    "spokesperson", "chairman", "chairwoman", "director", "ceo", "founder", "analyst", "economist",
    "professor", "lawyer", "attorney", "judge", "officer", "sheriff", "chief", "leader", "captain", "actor",
    "actress", "singer", "star", "player", "quarterback", "manager", "author", "writer", "reporter", "editor",
    "correspondent", "envoy", "ambassador", "prosecutor", "commissioner", "general", "colonel", "detective",
    "son", "daughter", "wife", "husband", "brother", "sister", "mother", "father", "friend", "frontman",
    "guitarist", "drummer", "rapper", "striker", "midfielder", "defender", "goalkeeper", "pitcher", "diver",
    "runner", "candidate", "rival", "counterpart", "premier", "chancellor", "king", "queen", "prince",
    "princess", "pope", "sen", "rep", "gov", "dr", "mr", "mrs", "ms", "by", "researcher", "scientist",
    "historian", "host", "anchor", "presenter", "comedian", "musician", "artist", "designer", "architect",
    "executive", "investor", "billionaire", "entrepreneur", "activist", "campaigner", "lawmaker", "deputy",
    "congressman", "congresswoman", "representative", "official", "aide", "adviser", "advisor", "strategist",
    "pollster", "teammate", "opponent", "winger", "forward", "guard", "linebacker", "receiver", "co-founder",
]);

/// Role words that act as a title when they open a capitalized run ("Lawyer Amal Rahman").
#[rustfmt::skip]
pub(super) static ROLE_TITLES: WordSet = WordSet::new(&[
    "lawyer", "attorney", "spokesman", "spokeswoman", "spokesperson", "coach", "analyst", "economist",
    "professor", "author", "actor", "actress", "singer", "rapper", "investor", "entrepreneur", "activist",
    "lawmaker", "detective", "sheriff", "prosecutor", "reporter", "correspondent", "researcher", "scientist",
    "historian", "comedian", "musician", "artist", "designer", "architect", "billionaire", "strategist",
    "pollster", "adviser", "advisor", "aide", "commander", "farmer", "doctor", "nurse", "teacher", "engineer",
    "founder", "co-founder", "chairman", "chairwoman", "ceo", "envoy", "ambassador", "judge", "mayor",
]);

/// Words before an unknown name that make it a place.
pub(super) const PLACE_PREPOSITIONS: &[&str] = &["in", "near", "outside", "across", "to", "from"];
