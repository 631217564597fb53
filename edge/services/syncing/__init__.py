"""The cloud's mirror on this outlet and our queue of facts to the cloud."""
