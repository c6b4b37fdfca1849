package blocks

// Slack's documented limits for Block Kit (characters unless said).
const (
	MaxMessageBlocks = 50   // blocks in a message
	MaxViewBlocks    = 100  // blocks in a modal or the App Home
	MaxSectionText   = 3000 // a section's text
	MaxField         = 2000 // one section field
	MaxFields        = 10   // fields in a section
	MaxHeader        = 150  // a header's plain text
	MaxContext       = 10   // elements in a context block
	MaxContextText   = 2000 // one context text element (Slack's field limit)
	MaxButtonText    = 75   // a button's label
	MaxButtonValue   = 2000 // a button's value
	MaxActionID      = 255  // action_id and block_id
	MaxActions       = 25   // elements in an actions block
	MaxViewTitle     = 24   // a modal's title, submit and close labels
	MaxOptionText    = 75   // an option's label
	MaxOptionValue   = 150  // an option's value
	MaxOptions       = 100  // options in a select
	MaxInputLabel    = 2000 // an input block's label
	MaxPlaceholder   = 150  // an element's placeholder
	MaxInputLength   = 3000 // the most a plain-text input may take
	MaxMessageText   = 40000
	MaxPrivateMeta   = 3000 // a view's private_metadata
	MaxCallbackID    = 255  // a view's callback_id
)
