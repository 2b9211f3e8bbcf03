"""`customlabels console`: a small local web app over the stack (models, evaluation, try an image,
results), server-rendered with Flask/Jinja2 and a little vanilla JavaScript."""
