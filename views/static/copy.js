// Copy-to-clipboard for the dashboard's shown-once secrets. Without it the secret is still
// selectable in its read-only field.
document.addEventListener('click', function (event) {
  var button = event.target.closest('[data-copy]');
  if (!button) return;
  var field = document.getElementById(button.getAttribute('data-copy'));
  if (!field || !navigator.clipboard) return;
  navigator.clipboard.writeText(field.value).then(function () {
    button.textContent = 'Copied';
  });
});
