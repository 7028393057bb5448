#include "pinterest/generator_vocabulary.h"

namespace pinpipe::pinterest {
namespace {

using SV = std::string_view;

constexpr SV kArt[] = {"Art", "Painting", "Watercolor", "Acrylic", "Canvas", "Sketch", "Drawing",
                       "Abstract", "Portrait", "Illustration", "Gallery", "Artist", "Mural",
                       "Charcoal", "Print", "Easel", "Palette", "Brush", "Pastel", "Landscape"};
constexpr SV kBeauty[] = {"Beauty", "Makeup", "Skincare", "Nail", "Lipstick", "Eyeliner",
                          "Hair", "Braids", "Glow", "Serum", "Contour", "Blush", "Lashes",
                          "Manicure", "Curls", "Routine", "Mascara", "Highlighter"};
constexpr SV kChristmas[] = {"Christmas", "Holiday", "Ornament", "Wreath", "Santa", "Tree",
                             "Gift", "Advent", "Snowflake", "Reindeer", "Stocking", "Festive",
                             "Cookies", "Garland", "Nativity", "Elf", "Winter", "Candy Cane"};
constexpr SV kDiy[] = {"DIY", "Crafts", "Handmade", "Upcycle", "Paper", "Glue", "Felt",
                       "Sewing", "Knitting", "Crochet", "Mason Jar", "Kids", "Projects", "Yarn",
                       "Scrapbook", "Embroidery", "Macrame", "Stencil"};
constexpr SV kEducation[] = {"Teaching", "Classroom", "Math", "Reading", "Science", "Lesson",
                             "Homeschool", "Worksheet", "Learning", "Students", "Kindergarten",
                             "Phonics", "Grammar", "History", "Study", "Teacher", "Activities"};
constexpr SV kEvent[] = {"Wedding", "Party", "Birthday", "Baby Shower", "Decorations", "Venue",
                         "Invitation", "Centerpiece", "Balloon", "Bridal", "Reception",
                         "Celebration", "Theme", "Planner", "Backdrop", "Table Setting"};
constexpr SV kFinance[] = {"Money", "Budget", "Saving", "Investing", "Debt", "Finance",
                           "Income", "Retirement", "Frugal", "Side Hustle", "Credit", "Stocks",
                           "Wealth", "Planner", "Emergency Fund", "Passive Income"};
constexpr SV kHome[] = {"Home", "Decor", "Living Room", "Bedroom", "Kitchen", "Farmhouse",
                        "Interior", "Rustic", "Boho", "Shelf", "Cozy", "Bathroom", "Rug",
                        "Apartment", "Modern", "Wall Decor", "Lighting"};
constexpr SV kMens[] = {"Mens", "Fashion", "Outfit", "Style", "Suit", "Sneakers", "Jacket",
                        "Streetwear", "Casual", "Denim", "Leather", "Watch", "Beard",
                        "Gentleman", "Blazer", "Boots", "Wardrobe"};
constexpr SV kQuotes[] = {"Quotes", "Inspiration", "Motivation", "Life", "Love", "Wisdom",
                          "Positive", "Happiness", "Strength", "Mindset", "Words", "Soul",
                          "Heart", "Hope", "Success", "Friendship", "Sayings"};
constexpr SV kTattoos[] = {"Tattoo", "Ink", "Sleeve", "Minimalist", "Floral", "Script",
                           "Forearm", "Tiny", "Linework", "Dotwork", "Mandala", "Rose",
                           "Butterfly", "Geometric", "Back Piece", "Fine Line"};
constexpr SV kTravel[] = {"Travel", "Destinations", "Beach", "Adventure", "Road Trip",
                          "Wanderlust", "Island", "Mountains", "Europe", "Backpacking",
                          "Vacation", "Itinerary", "Hiking", "Bucket List", "City Guide"};
constexpr SV kVehicles[] = {"Cars", "Vintage", "Classic", "Trucks", "Motorcycle", "Jeep",
                            "Muscle Car", "Lowrider", "Porsche", "Mustang", "Hot Rod",
                            "Ford", "Chevy", "Custom", "Sports Car", "Antique Cars"};

// Shares of domain.md §1, in alphabetical order.
constexpr CategoryVocabulary kCategories[] = {
    {"art", 0.081, kArt},
    {"beauty", 0.066, kBeauty},
    {"christmas", 0.095, kChristmas},
    {"diy-and-crafts", 0.075, kDiy},
    {"education", 0.072, kEducation},
    {"event-planning", 0.070, kEvent},
    {"finance", 0.070, kFinance},
    {"home-decor", 0.073, kHome},
    {"mens-fashion", 0.078, kMens},
    {"quotes", 0.087, kQuotes},
    {"tattoos", 0.085, kTattoos},
    {"travel", 0.083, kTravel},
    {"vehicles", 0.065, kVehicles},
};

constexpr SV kCommon[] = {"Best", "Easy", "Simple", "Ideas", "Tips", "Guide", "How to",
                          "Beautiful", "Amazing", "Cute", "Creative", "Free", "Ultimate",
                          "Beginners", "Tutorial", "Inspiration", "Unique", "Cheap", "Awesome",
                          "Vintage", "Modern", "Small", "Big", "Perfect", "Favorite", "Top",
                          "for", "and", "with", "the", "your", "of", "in", "to", "a"};

constexpr SV kDescription[] = {
    "this", "is", "a", "the", "to", "and", "of", "you", "for", "with", "your", "will", "love",
    "these", "ideas", "make", "easy", "way", "find", "more", "about", "great", "how", "our",
    "it", "can", "so", "all", "new", "best", "from", "every", "day", "just", "here", "get",
    "some", "simple", "that", "are", "on", "in", "be", "one", "time", "beautiful", "perfect",
    "check", "out", "post", "tips", "inspiration", "little", "home", "life", "favorite"};

constexpr SV kNonAscii[] = {"café", "crème brûlée", "naïve", "résumé", "Zoë", "piñata",
                            "façade", "déjà vu", "—", "’", "“Love”", "✨", "🍂", "❤️", "🎄",
                            "★", "½", "São Paulo", "Ø", "fiancée", "jalapeño", "über"};

constexpr SV kPosterSuffixes[] = {"Designs", "Studio", "Blog", "Creations", "Co.", "Art",
                                  "Life", "Home", "Style", "Magazine", "Shop", "Journal",
                                  "Official", "Crafts", "Collective", "Daily"};

constexpr SV kFirst[] = {
    "Aaron", "Abigail", "Adam", "Alan", "Albert", "Alexander", "Alexis", "Alice", "Allison",
    "Amanda", "Amber", "Amy", "Andrea", "Andrew", "Angela", "Ann", "Anna", "Anthony", "Ashley",
    "Barbara", "Benjamin", "Beth", "Betty", "Bradley", "Brandon", "Brenda", "Brian", "Brittany",
    "Bruce", "Carl", "Carol", "Caroline", "Catherine", "Charles", "Cheryl", "Christian",
    "Christina", "Christopher", "Cynthia", "Daniel", "David", "Deborah", "Dennis", "Diana",
    "Donald", "Donna", "Dorothy", "Douglas", "Dylan", "Edward", "Elizabeth", "Emily", "Emma",
    "Eric", "Ethan", "Evelyn", "Frances", "Frank", "Gary", "George", "Gloria", "Grace",
    "Gregory", "Hannah", "Harold", "Heather", "Helen", "Henry", "Isabella", "Jack", "Jacob",
    "James", "Janet", "Jason", "Jeffrey", "Jennifer", "Jeremy", "Jesse", "Jessica", "Joan",
    "John", "Jonathan", "Jose", "Joseph", "Joshua", "Joyce", "Judith", "Julia", "Julie",
    "Justin", "Karen", "Katherine", "Kathleen", "Kayla", "Keith", "Kelly", "Kenneth", "Kevin",
    "Kimberly", "Kyle", "Larry", "Laura", "Lauren", "Lawrence", "Linda", "Lisa", "Logan",
    "Madison", "Margaret", "Maria", "Marie", "Mark", "Martha", "Mary", "Matthew", "Megan",
    "Melissa", "Michael", "Michelle", "Nancy", "Natalie", "Nathan", "Nicholas", "Nicole",
    "Noah", "Olivia", "Pamela", "Patricia", "Patrick", "Paul", "Peter", "Rachel", "Raymond",
    "Rebecca", "Richard", "Robert", "Roger", "Ronald", "Rose", "Russell", "Ryan", "Samantha",
    "Samuel", "Sandra", "Sara", "Scott", "Sean", "Sharon", "Shirley", "Sophia", "Stephanie",
    "Stephen", "Steven", "Susan", "Teresa", "Terry", "Thomas", "Timothy", "Tyler", "Victoria",
    "Virginia", "Walter", "William", "Zachary"};

constexpr SV kLast[] = {
    "Acosta", "Adams", "Aguilar", "Alexander", "Ali", "Allen", "Alvarez", "Anderson", "Andrews",
    "Anthony", "Armstrong", "Arnold", "Austin", "Bailey", "Baker", "Barnes", "Bell", "Bennett",
    "Black", "Boyd", "Brooks", "Brown", "Bryant", "Burns", "Butler", "Campbell", "Cannon",
    "Carter", "Castillo", "Chavez", "Clark", "Cole", "Coleman", "Collins", "Combs", "Cook",
    "Cooper", "Cox", "Cruz", "Daniels", "Davis", "Diaz", "Dixon", "Edwards", "Ellis", "Evans",
    "Fisher", "Flores", "Ford", "Foster", "Garcia", "Gibson", "Gomez", "Gonzalez", "Graham",
    "Gray", "Green", "Griffin", "Hall", "Hamilton", "Harris", "Hayes", "Henderson",
    "Hernandez", "Hill", "Holmes", "Howard", "Hughes", "Hunt", "Jackson", "James", "Jenkins",
    "Johnson", "Jones", "Jordan", "Kelly", "Kennedy", "Kim", "King", "Lee", "Lewis", "Long",
    "Lopez", "Marshall", "Martin", "Martinez", "Mason", "Miller", "Mitchell", "Moore",
    "Morales", "Morgan", "Morris", "Murphy", "Myers", "Nelson", "Nguyen", "Ortiz", "Owens",
    "Parker", "Patel", "Perez", "Perry", "Peterson", "Phillips", "Powell", "Price", "Ramirez",
    "Reed", "Reyes", "Reynolds", "Richardson", "Rivera", "Roberts", "Robinson", "Rodriguez",
    "Rogers", "Ross", "Russell", "Sanchez", "Sanders", "Scott", "Shaw", "Simmons", "Smith",
    "Stewart", "Sullivan", "Taylor", "Thomas", "Thompson", "Torres", "Turner", "Walker",
    "Wallace", "Ward", "Washington", "Watson", "West", "White", "Williams", "Wilson", "Wood",
    "Wright", "Young"};

// Rows per age 20..60 in the original user_data (11,154 rows): 20 is the mode (19%).
constexpr uint32_t kAgeWeights[] = {2126, 1218, 572, 636, 364, 426, 296, 321, 354, 262, 266,
                                    237,  261,  198, 192, 192, 159, 197, 182, 164, 162, 126,
                                    171,  145,  136, 159, 119, 127, 124, 128, 126, 107, 122,
                                    113,  88,   111, 100, 96,  89,  93,  89};

// "<n>M" follower counts of the original (1M..8M and 15M).
constexpr WeightedName kMillions[] = {{"1M", 58}, {"2M", 141}, {"3M", 18}, {"4M", 18},
                                      {"5M", 78}, {"6M", 4},   {"7M", 1},  {"8M", 13},
                                      {"15M", 4}};

}  // namespace

std::span<const CategoryVocabulary> Categories() { return kCategories; }
std::span<const std::string_view> CommonWords() { return kCommon; }
std::span<const std::string_view> DescriptionWords() { return kDescription; }
std::span<const std::string_view> NonAsciiWords() { return kNonAscii; }
std::span<const std::string_view> PosterSuffixes() { return kPosterSuffixes; }
std::span<const std::string_view> FirstNames() { return kFirst; }
std::span<const std::string_view> LastNames() { return kLast; }
std::span<const uint32_t> AgeWeights() { return kAgeWeights; }
std::span<const WeightedName> MillionFollowerValues() { return kMillions; }

}  // namespace pinpipe::pinterest
