// Tabs, one player at a time, and a click-to-enlarge figure. No framework, nothing loaded from the network.
document.querySelectorAll(".tabs button").forEach(function (button) {
  button.addEventListener("click", function () {
    document.querySelectorAll(".tabs button").forEach(function (b) { b.classList.toggle("active", b === button); });
    document.querySelectorAll(".panel").forEach(function (p) { p.hidden = p.id !== button.dataset.tab; });
  });
});
document.addEventListener("play", function (event) {
  document.querySelectorAll("audio").forEach(function (a) { if (a !== event.target) { a.pause(); } });
}, true);
var box = document.querySelector(".lightbox");
document.querySelectorAll("img.fig").forEach(function (img) {
  img.addEventListener("click", function () {
    var big = document.createElement("img");
    big.src = img.src;
    big.alt = img.alt;
    box.replaceChildren(big);
    box.hidden = false;
  });
});
box.addEventListener("click", function () { box.hidden = true; });
