"""The code tree panel, its model, dialogs and the codebook definition editor."""
